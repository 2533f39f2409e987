// control: the control plane (sources → model → translate → xDS), and its REST API.
export { startControlPlane, DEFAULT_XDS_PORT, type ControlPlaneOptions, type RunningControlPlane, type XdsServerStarter, type ProxyStatus } from './control-plane.ts';
export { meshXdsStarter, REGISTERED_BY } from './mesh-xds.ts';
export { DEFAULT_API_PORT, pathOf, type Status, type StatusCause } from './api/index.ts';
export { followStore, type FeedUpdate, type ResourceFeed, type Store } from './sources/index.ts';
export { meshSnapshot, resolveServicePort, simulate, type MeshSnapshot, type ResolvedServicePort, type Decision } from './model/index.ts';
