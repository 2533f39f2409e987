// "Where does this request go?" — resources in, decision out, with no I/O: the Service a client
// called, the route rule that matched (by Gateway API precedence), the weighted backends and
// their endpoints, the filters, and the timeouts, retries and policy that apply. The xDS
// translation builds from the same functions; tests assert decisions, not JSON.

import { durationMs, type HTTPRouteFilter, type GRPCRouteFilter } from '../../api/index.ts';
import type { MeshSnapshot, ServiceResource } from './snapshot.ts';
import { nsName } from './snapshot.ts';
import { resolveHost } from './hosts.ts';
import { findPort, type ServicePortView } from './ports.ts';
import { portEndpoints } from './endpoints.ts';
import { attachedRoutes } from './attachment.ts';
import { httpRouteTable, matchHttp } from './http-routes.ts';
import { grpcRouteTable, matchGrpc } from './grpc-routes.ts';
import { resolveBackends, type WeightedBackend } from './backends.ts';
import { effectivePolicy, type EffectivePolicy } from './policy.ts';
import { modifyPath } from './rewrite.ts';
import { splitPath, type HttpRequest } from './request-match.ts';

export interface SimulatedRequest {
  /** The caller's namespace (consumer routes and short host names depend on it). */
  readonly clientNamespace: string;
  /** What the client called: `backend`, `backend.shop`, `backend.shop.svc.cluster.local`. */
  readonly host: string;
  readonly port: number;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: HttpRequest['headers'];
  /** A gRPC call: matched against GRPCRoutes (HTTPRoutes when none is attached). */
  readonly grpc?: { readonly service: string; readonly method: string };
}

/** Defaults when a rule has `retry` without `attempts` / `backoff` (implementation-specific in the spec). */
export const RETRY_DEFAULTS = { attempts: 2, backoff: '25ms' } as const;

export interface EffectiveRetry {
  readonly attempts: number;
  /** HTTP statuses retried; connection failures are retried whenever attempts > 0. */
  readonly codes: readonly number[];
  readonly backoffMs: number;
}

export interface RouteDecision {
  readonly type: 'route';
  readonly service: string;
  /** `namespace/name` of the route, or undefined when no route is attached (the Service's own endpoints). */
  readonly route?: string;
  readonly rule?: number;
  readonly ruleName?: string;
  readonly backends: readonly WeightedBackend[];
  /** Share of requests answered 500 because their backend is invalid (Gateway API). */
  readonly errorShare: number;
  readonly filters: readonly (HTTPRouteFilter | GRPCRouteFilter)[];
  /** The path sent upstream after a URLRewrite, when it changes. */
  readonly rewrittenPath?: string;
  readonly rewrittenHost?: string;
  readonly timeouts: { readonly requestMs: number; readonly backendRequestMs?: number };
  readonly retry: EffectiveRetry;
  readonly policy: EffectivePolicy;
}

export interface RedirectDecision {
  readonly type: 'redirect';
  readonly service: string;
  readonly route: string;
  readonly rule: number;
  readonly statusCode: number;
  readonly scheme?: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: string;
}

export interface ErrorDecision {
  readonly type: 'error';
  readonly status: 404 | 500 | 503;
  readonly reason: string;
  readonly service?: string;
}

export type Decision = RouteDecision | RedirectDecision | ErrorDecision;

function retryOf(rule: { readonly retry?: { readonly attempts?: number; readonly codes?: readonly number[]; readonly backoff?: string } }): EffectiveRetry {
  const r = rule.retry;
  if (!r) return { attempts: 0, codes: [], backoffMs: 0 };
  return { attempts: r.attempts ?? RETRY_DEFAULTS.attempts, codes: r.codes ?? [], backoffMs: durationMs(r.backoff ?? RETRY_DEFAULTS.backoff) ?? 0 };
}

function routed(
  snapshot: MeshSnapshot, service: ServiceResource, policy: EffectivePolicy, routeNs: string,
  parts: { route: string; rule: number; ruleName?: string; backendRefs: Parameters<typeof resolveBackends>[2]; filters: readonly (HTTPRouteFilter | GRPCRouteFilter)[]; timeouts?: { request?: string; backendRequest?: string }; retry: EffectiveRetry },
): Decision {
  if (parts.backendRefs.length === 0) return { type: 'error', status: 500, reason: `${parts.route} rule ${parts.rule} has no backendRefs`, service: nsName(service) };
  const backends = resolveBackends(snapshot, routeNs, parts.backendRefs);
  if (backends.every((b) => b.weight === 0)) return { type: 'error', status: 500, reason: `every backend of ${parts.route} rule ${parts.rule} has weight 0`, service: nsName(service) };
  const errorShare = backends.filter((b) => b.invalid).reduce((s, b) => s + b.share, 0);
  const request = parts.timeouts?.request ?? policy.timeouts.request ?? '15s';
  const backend = parts.timeouts?.backendRequest;
  return {
    type: 'route',
    service: nsName(service),
    route: parts.route,
    rule: parts.rule,
    ...(parts.ruleName ? { ruleName: parts.ruleName } : {}),
    backends,
    errorShare,
    filters: parts.filters,
    timeouts: { requestMs: durationMs(request) ?? 0, ...(backend !== undefined ? { backendRequestMs: durationMs(backend) ?? 0 } : {}) },
    retry: parts.retry,
    policy,
  };
}

function direct(snapshot: MeshSnapshot, service: ServiceResource, port: ServicePortView, policy: EffectivePolicy): RouteDecision {
  return {
    type: 'route',
    service: nsName(service),
    backends: [{ service: nsName(service), port: port.port, weight: 1, share: 1, endpoints: portEndpoints(snapshot, service, port) }],
    errorShare: 0,
    filters: [],
    timeouts: { requestMs: durationMs(policy.timeouts.request ?? '15s') ?? 0 },
    retry: { attempts: 0, codes: [], backoffMs: 0 },
    policy,
  };
}

export function simulate(snapshot: MeshSnapshot, req: SimulatedRequest): Decision {
  const service = resolveHost(snapshot, req.host, req.clientNamespace);
  if (!service) return { type: 'error', status: 503, reason: `no Service answers to "${req.host}" from namespace ${req.clientNamespace}` };
  const port = findPort(service, req.port);
  if (!port) return { type: 'error', status: 503, reason: `Service ${nsName(service)} has no port ${req.port}`, service: nsName(service) };
  const policy = effectivePolicy(snapshot, service, port);

  if (req.grpc) {
    const grpcRoutes = attachedRoutes(snapshot.grpcRoutes, service, port, req.clientNamespace);
    if (grpcRoutes.length > 0) {
      const hit = matchGrpc(grpcRouteTable(grpcRoutes), { ...req.grpc, headers: req.headers });
      if (!hit) return { type: 'error', status: 404, reason: `no GRPCRoute rule of ${nsName(service)} matches /${req.grpc.service}/${req.grpc.method}`, service: nsName(service) };
      return routed(snapshot, service, policy, hit.route.metadata.namespace ?? '', {
        route: nsName(hit.route), rule: hit.ruleIndex, ruleName: hit.rule.name, backendRefs: hit.rule.backendRefs ?? [],
        filters: hit.rule.filters ?? [], retry: retryOf({}),
      });
    }
  }
  const httpRoutes = attachedRoutes(snapshot.httpRoutes, service, port, req.clientNamespace);
  if (httpRoutes.length === 0) return direct(snapshot, service, port, policy);
  const path = req.path ?? (req.grpc ? `/${req.grpc.service}/${req.grpc.method}` : '/');
  const hit = matchHttp(httpRouteTable(httpRoutes), { method: req.method ?? (req.grpc ? 'POST' : 'GET'), path, headers: req.headers });
  if (!hit) return { type: 'error', status: 404, reason: `no HTTPRoute rule of ${nsName(service)} matches ${req.method ?? 'GET'} ${path}`, service: nsName(service) };
  const { rule } = hit;
  const filters = rule.filters ?? [];
  const route = nsName(hit.route);
  const { path: bare } = splitPath(path);
  const redirect = filters.find((f) => f.type === 'RequestRedirect')?.requestRedirect;
  if (redirect) {
    return {
      type: 'redirect', service: nsName(service), route, rule: hit.ruleIndex,
      statusCode: redirect.statusCode ?? 302,
      ...(redirect.scheme ? { scheme: redirect.scheme } : {}),
      ...(redirect.hostname ? { hostname: redirect.hostname } : {}),
      ...(redirect.port ? { port: redirect.port } : {}),
      ...(redirect.path ? { path: modifyPath(bare, redirect.path, hit.pathValue) } : {}),
    };
  }
  const decision = routed(snapshot, service, policy, hit.route.metadata.namespace ?? '', {
    route, rule: hit.ruleIndex, ruleName: rule.name, backendRefs: rule.backendRefs ?? [], filters,
    timeouts: rule.timeouts, retry: retryOf(rule),
  });
  const rewrite = filters.find((f) => f.type === 'URLRewrite')?.urlRewrite;
  if (decision.type !== 'route' || !rewrite) return decision;
  return {
    ...decision,
    ...(rewrite.path ? { rewrittenPath: modifyPath(bare, rewrite.path, hit.pathValue) } : {}),
    ...(rewrite.hostname ? { rewrittenHost: rewrite.hostname } : {}),
  };
}
