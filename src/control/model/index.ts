// model: the mesh as pure functions of the resources — endpoints per Service port, route
// tables in Gateway API precedence, effective policies, and request simulation.
export { meshSnapshot, type MeshSnapshot } from './snapshot.ts';
export { serviceHost, resolveHost, clusterDomain, outboundCluster } from './hosts.ts';
export { portEndpoints, type Endpoint } from './endpoints.ts';
export { servicePorts, findPort, type ServicePortView } from './ports.ts';
export { attachedRoutes } from './attachment.ts';
export { httpRouteTable, type HttpRouteEntry } from './http-routes.ts';
export { grpcRouteTable, type GrpcRouteEntry, type GrpcRequest } from './grpc-routes.ts';
export { resolveBackends, type WeightedBackend } from './backends.ts';
export { effectivePolicy, type EffectivePolicy } from './policy.ts';
export { diagnose, type Diagnostic } from './diagnostics.ts';
export { resolveServicePort, RETRY_DEFAULTS, type ResolvedServicePort, type ResolvedRule, type RuleAction, type EffectiveRetry } from './service-routes.ts';
export { simulate, type Decision, type RouteDecision, type RedirectDecision, type ErrorDecision, type SimulatedRequest } from './simulate.ts';
export { re2Checker } from './re2.ts';
