// Routes and policies resolved per Service port, for one client namespace: the Service's
// cluster and endpoints, its effective TrafficPolicy, and its HTTP and gRPC rule tables in
// precedence order, each with its action (forward to weighted clusters, redirect, or fail)
// already worked out. The xDS translation emits routes from this in order; simulate() picks
// from it per request — one derivation for both.

import { durationMs, type HTTPRouteFilter, type GRPCRouteFilter, type HTTPRouteRule } from '../../api/index.ts';
import type { MeshSnapshot, ServiceResource } from './snapshot.ts';
import { nsName } from './snapshot.ts';
import { clusterDomain, serviceHost, outboundCluster } from './hosts.ts';
import type { ServicePortView } from './ports.ts';
import { portEndpoints, type Endpoint } from './endpoints.ts';
import { attachedRoutes } from './attachment.ts';
import { httpRouteTable, type HttpRouteEntry } from './http-routes.ts';
import { grpcRouteTable, type GrpcRouteEntry } from './grpc-routes.ts';
import { resolveBackends, type WeightedBackend } from './backends.ts';
import { effectivePolicy, type EffectivePolicy } from './policy.ts';

/** Defaults when a rule has `retry` without `attempts` / `backoff` (implementation-specific in the spec). */
export const RETRY_DEFAULTS = { attempts: 2, backoff: '25ms' } as const;

export interface EffectiveRetry {
  readonly attempts: number;
  /** HTTP statuses retried; connection failures are retried whenever attempts > 0. */
  readonly codes: readonly number[];
  readonly backoffMs: number;
}

type Redirect = NonNullable<HTTPRouteFilter['requestRedirect']>;
type Rewrite = NonNullable<HTTPRouteFilter['urlRewrite']>;

export type RuleAction =
  | {
      readonly type: 'forward';
      readonly backends: readonly WeightedBackend[];
      /** Share of requests answered 500 because their backend is invalid (Gateway API). */
      readonly errorShare: number;
      readonly filters: readonly (HTTPRouteFilter | GRPCRouteFilter)[];
      readonly urlRewrite?: Rewrite;
      /** 0 disables a timeout (Gateway API: "0s" turns it off); backendRequestMs is per try. */
      readonly timeouts: { readonly requestMs: number; readonly backendRequestMs?: number };
      readonly retry: EffectiveRetry;
    }
  | { readonly type: 'redirect'; readonly redirect: Redirect }
  | { readonly type: 'error'; readonly status: 500; readonly reason: string };

export interface ResolvedRule<E> {
  /** `namespace/name` of the route. */
  readonly route: string;
  readonly rule: number;
  readonly ruleName?: string;
  /** The match (and its test) this entry stands for; a rule with several matches has several entries. */
  readonly entry: E;
  readonly action: RuleAction;
}

export interface ResolvedServicePort {
  readonly service: string;
  readonly host: string;
  readonly port: ServicePortView;
  /** `outbound|<port>||<host>`. */
  readonly cluster: string;
  readonly endpoints: readonly Endpoint[];
  readonly policy: EffectivePolicy;
  /** In precedence order; undefined when no HTTPRoute applies (calls go to `cluster`). */
  readonly http?: readonly ResolvedRule<HttpRouteEntry>[];
  /** In precedence order; undefined when no GRPCRoute applies (gRPC calls use `http`). */
  readonly grpc?: readonly ResolvedRule<GrpcRouteEntry>[];
}

const NO_RETRY: EffectiveRetry = { attempts: 0, codes: [], backoffMs: 0 };

function retryOf(retry: HTTPRouteRule['retry']): EffectiveRetry {
  if (!retry) return NO_RETRY;
  return { attempts: retry.attempts ?? RETRY_DEFAULTS.attempts, codes: retry.codes ?? [], backoffMs: durationMs(retry.backoff ?? RETRY_DEFAULTS.backoff) ?? 0 };
}

export function requestTimeoutMs(policy: EffectivePolicy, ruleTimeout?: string): number {
  return durationMs(ruleTimeout ?? policy.timeouts.request ?? '15s') ?? 0;
}

function actionOf(
  snapshot: MeshSnapshot, policy: EffectivePolicy, routeNs: string, label: string,
  rule: { readonly backendRefs?: Parameters<typeof resolveBackends>[2]; readonly filters?: readonly (HTTPRouteFilter | GRPCRouteFilter)[]; readonly timeouts?: HTTPRouteRule['timeouts']; readonly retry?: HTTPRouteRule['retry'] },
): RuleAction {
  const filters = rule.filters ?? [];
  const redirect = filters.find((f): f is HTTPRouteFilter => f.type === 'RequestRedirect')?.requestRedirect;
  if (redirect) return { type: 'redirect', redirect };
  const refs = rule.backendRefs ?? [];
  if (refs.length === 0) return { type: 'error', status: 500, reason: `${label} has no backendRefs` };
  const backends = resolveBackends(snapshot, routeNs, refs);
  if (backends.every((b) => b.weight === 0)) return { type: 'error', status: 500, reason: `every backend of ${label} has weight 0` };
  const backendRequest = rule.timeouts?.backendRequest;
  const urlRewrite = filters.find((f): f is HTTPRouteFilter => f.type === 'URLRewrite')?.urlRewrite;
  return {
    type: 'forward',
    backends,
    errorShare: backends.filter((b) => b.invalid).reduce((s, b) => s + b.share, 0),
    filters,
    ...(urlRewrite ? { urlRewrite } : {}),
    timeouts: { requestMs: requestTimeoutMs(policy, rule.timeouts?.request), ...(backendRequest !== undefined ? { backendRequestMs: durationMs(backendRequest) ?? 0 } : {}) },
    retry: retryOf(rule.retry),
  };
}

export function resolveServicePort(snapshot: MeshSnapshot, service: ServiceResource, port: ServicePortView, clientNamespace: string): ResolvedServicePort {
  const host = serviceHost(service, clusterDomain(snapshot));
  const policy = effectivePolicy(snapshot, service, port);
  const resolve = <E extends { readonly route: { readonly metadata: { readonly namespace?: string; readonly name: string } }; readonly ruleIndex: number; readonly rule: Parameters<typeof actionOf>[4] & { readonly name?: string } }>(entry: E): ResolvedRule<E> => {
    const route = `${entry.route.metadata.namespace ?? ''}/${entry.route.metadata.name}`;
    return {
      route,
      rule: entry.ruleIndex,
      ...(entry.rule.name ? { ruleName: entry.rule.name } : {}),
      entry,
      action: actionOf(snapshot, policy, entry.route.metadata.namespace ?? '', `${route} rule ${entry.ruleIndex}`, entry.rule),
    };
  };
  const httpRoutes = attachedRoutes(snapshot.httpRoutes, service, port, clientNamespace);
  const grpcRoutes = attachedRoutes(snapshot.grpcRoutes, service, port, clientNamespace);
  return {
    service: nsName(service),
    host,
    port,
    cluster: outboundCluster(host, port.port),
    endpoints: portEndpoints(snapshot, service, port),
    policy,
    ...(httpRoutes.length > 0 ? { http: httpRouteTable(httpRoutes).map(resolve) } : {}),
    ...(grpcRoutes.length > 0 ? { grpc: grpcRouteTable(grpcRoutes).map(resolve) } : {}),
  };
}
