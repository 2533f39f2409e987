// translate: the mesh model → Envoy v3 resources (proto3 JSON) per xDS node, one file per
// resource type, no I/O. docs/control-plane.md ("How resources become xDS") describes the output.
export { classifyNode, META, DEFAULT_INBOUND_PORT, DEFAULT_OUTBOUND_PORT, type NodeKind, type Sidecar } from './node.ts';
export { translateNode, portViews, type NodeResources } from './node-view.ts';
export { OUTBOUND_LISTENER, INBOUND_LISTENER } from './listeners.ts';
export { inboundCluster } from './routes.ts';
