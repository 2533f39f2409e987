// admin: the proxy's admin API (Envoy's endpoint names), served on loopback.
export { startAdminServer, type AdminServer, type AdminServerOptions } from './server.ts';
export type { AdminTarget, ClusterStatus, EndpointStatus, ListenerStatus, ServerState } from './target.ts';
