// The resource kinds Weft serves: API group and version, REST plural, kubectl-style short
// names, scope, the spec schema and the semantic checks that the schema cannot express.

import type { TSchema } from 'typebox';
import type { IssueList, FieldPath } from './issues.ts';
import { ServiceSpec, checkService } from './kinds/service.ts';
import { WorkloadSpec, checkWorkload } from './kinds/workload.ts';
import { HTTPRouteSpec, checkHTTPRoute } from './kinds/httproute.ts';
import { GRPCRouteSpec, checkGRPCRoute } from './kinds/grpcroute.ts';
import { TrafficPolicySpec, checkTrafficPolicy } from './kinds/traffic-policy.ts';
import { MeshConfigSpec, checkMeshConfig } from './kinds/mesh-config.ts';
import { AuthorizationPolicySpec, checkAuthorizationPolicy } from './kinds/authorization-policy.ts';

/** How metadata.name is checked: Services are DNS-1035 labels (as in Kubernetes). */
export type NameRule = 'dns1123-subdomain' | 'dns1035-label' | 'singleton';

export interface KindInfo {
  readonly kind: string;
  /** '' for the core group (Service). */
  readonly group: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly nameRule: NameRule;
  readonly spec: TSchema;
  check(spec: never, issues: IssueList, at: FieldPath): void;
}

function kind(k: Omit<KindInfo, 'apiVersion' | 'singular'>): KindInfo {
  return { ...k, apiVersion: k.group ? `${k.group}/${k.version}` : k.version, singular: k.kind.toLowerCase() };
}

const GATEWAY = 'gateway.networking.k8s.io';
const WEFT = 'weft.dev';

export const KINDS: readonly KindInfo[] = [
  kind({ kind: 'Service', group: '', version: 'v1', plural: 'services', shortNames: ['svc'], namespaced: true, nameRule: 'dns1035-label', spec: ServiceSpec, check: checkService }),
  kind({ kind: 'Workload', group: WEFT, version: 'v1alpha1', plural: 'workloads', shortNames: ['wl'], namespaced: true, nameRule: 'dns1123-subdomain', spec: WorkloadSpec, check: checkWorkload }),
  kind({ kind: 'HTTPRoute', group: GATEWAY, version: 'v1', plural: 'httproutes', shortNames: [], namespaced: true, nameRule: 'dns1123-subdomain', spec: HTTPRouteSpec, check: checkHTTPRoute }),
  kind({ kind: 'GRPCRoute', group: GATEWAY, version: 'v1', plural: 'grpcroutes', shortNames: [], namespaced: true, nameRule: 'dns1123-subdomain', spec: GRPCRouteSpec, check: checkGRPCRoute }),
  kind({ kind: 'TrafficPolicy', group: WEFT, version: 'v1alpha1', plural: 'trafficpolicies', shortNames: ['tp'], namespaced: true, nameRule: 'dns1123-subdomain', spec: TrafficPolicySpec, check: checkTrafficPolicy }),
  kind({ kind: 'MeshConfig', group: WEFT, version: 'v1alpha1', plural: 'meshconfigs', shortNames: [], namespaced: false, nameRule: 'singleton', spec: MeshConfigSpec, check: checkMeshConfig }),
  kind({ kind: 'AuthorizationPolicy', group: WEFT, version: 'v1alpha1', plural: 'authorizationpolicies', shortNames: ['authz', 'ap'], namespaced: true, nameRule: 'dns1123-subdomain', spec: AuthorizationPolicySpec, check: checkAuthorizationPolicy }),
];

/** The name MeshConfig must have (one per mesh). */
export const SINGLETON_NAME = 'default';

export function kindInfo(kindName: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kindName);
}

/**
 * What a user may type for a kind, as kubectl accepts: `Service`, `service`, `services`,
 * `svc`, `httproutes.gateway.networking.k8s.io`.
 */
export function resolveKind(text: string): KindInfo | undefined {
  const lower = text.toLowerCase();
  const dot = lower.indexOf('.');
  const name = dot >= 0 ? lower.slice(0, dot) : lower;
  const group = dot >= 0 ? lower.slice(dot + 1) : undefined;
  return KINDS.find((k) =>
    (group === undefined || k.group === group) &&
    (k.singular === name || k.plural === name || k.shortNames.includes(name)));
}

export function kindByPlural(group: string, version: string, plural: string): KindInfo | undefined {
  return KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
}
