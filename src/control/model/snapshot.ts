// The mesh model's input: one consistent set of resources (a store list), indexed by kind and
// namespace. Everything the model derives is a pure function of a MeshSnapshot.

import type {
  Resource, ServiceSpec, WorkloadSpec, HTTPRouteSpec, GRPCRouteSpec, TrafficPolicySpec, MeshConfigSpec, AuthorizationPolicySpec,
} from '../../api/index.ts';

export interface Typed<S> extends Resource {
  readonly spec: S;
}

export type ServiceResource = Typed<ServiceSpec>;
export type WorkloadResource = Typed<WorkloadSpec>;
export type HTTPRouteResource = Typed<HTTPRouteSpec>;
export type GRPCRouteResource = Typed<GRPCRouteSpec>;
export type TrafficPolicyResource = Typed<TrafficPolicySpec>;
export type AuthorizationPolicyResource = Typed<AuthorizationPolicySpec>;

export interface MeshSnapshot {
  /** By `namespace/name`. */
  readonly services: ReadonlyMap<string, ServiceResource>;
  readonly workloads: readonly WorkloadResource[];
  readonly httpRoutes: readonly HTTPRouteResource[];
  readonly grpcRoutes: readonly GRPCRouteResource[];
  readonly trafficPolicies: readonly TrafficPolicyResource[];
  readonly authorizationPolicies: readonly AuthorizationPolicyResource[];
  readonly mesh: MeshConfigSpec;
}

export const nsName = (r: Resource): string => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;

/** Indexes validated resources (as the store returns them). */
export function meshSnapshot(resources: readonly Resource[]): MeshSnapshot {
  const services = new Map<string, ServiceResource>();
  const workloads: WorkloadResource[] = [];
  const httpRoutes: HTTPRouteResource[] = [];
  const grpcRoutes: GRPCRouteResource[] = [];
  const trafficPolicies: TrafficPolicyResource[] = [];
  const authorizationPolicies: AuthorizationPolicyResource[] = [];
  let mesh: MeshConfigSpec = {};
  for (const r of resources) {
    switch (r.kind) {
      case 'Service': services.set(nsName(r), r as ServiceResource); break;
      case 'Workload': workloads.push(r as WorkloadResource); break;
      case 'HTTPRoute': httpRoutes.push(r as HTTPRouteResource); break;
      case 'GRPCRoute': grpcRoutes.push(r as GRPCRouteResource); break;
      case 'TrafficPolicy': trafficPolicies.push(r as TrafficPolicyResource); break;
      case 'AuthorizationPolicy': authorizationPolicies.push(r as AuthorizationPolicyResource); break;
      case 'MeshConfig': mesh = r.spec as MeshConfigSpec; break;
    }
  }
  return { services, workloads, httpRoutes, grpcRoutes, trafficPolicies, authorizationPolicies, mesh };
}

/**
 * Gateway API's tie-break between routes (and policies): the oldest by creationTimestamp,
 * then `namespace/name` alphabetically.
 */
export function olderFirst(a: Resource, b: Resource): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = nsName(a);
  const nb = nsName(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}
