// "Where does this request go?" — resources in, decision out, with no I/O: the Service a client
// called, the route rule that matched (by Gateway API precedence), the weighted backends and
// their endpoints, the filters, and the timeouts, retries and policy that apply. It picks from
// the same per-Service resolution (service-routes.ts) the xDS translation emits, so tests
// assert decisions, not JSON.

import type { HTTPRouteFilter, GRPCRouteFilter } from '../../api/index.ts';
import type { MeshSnapshot } from './snapshot.ts';
import { nsName } from './snapshot.ts';
import { resolveHost } from './hosts.ts';
import { findPort } from './ports.ts';
import type { WeightedBackend } from './backends.ts';
import type { EffectivePolicy } from './policy.ts';
import { modifyPath } from './rewrite.ts';
import { splitPath, type HttpRequest } from './request-match.ts';
import { resolveServicePort, requestTimeoutMs, type EffectiveRetry, type ResolvedRule } from './service-routes.ts';

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

/** The decision for a rule that matched, with per-request parts (redirect and rewrite paths). */
function decide(service: string, policy: EffectivePolicy, hit: ResolvedRule<unknown>, path: string, matchedPrefix: string): Decision {
  const { action } = hit;
  if (action.type === 'error') return { type: 'error', status: action.status, reason: action.reason, service };
  if (action.type === 'redirect') {
    const r = action.redirect;
    return {
      type: 'redirect', service, route: hit.route, rule: hit.rule,
      statusCode: r.statusCode ?? 302,
      ...(r.scheme ? { scheme: r.scheme } : {}),
      ...(r.hostname ? { hostname: r.hostname } : {}),
      ...(r.port ? { port: r.port } : {}),
      ...(r.path ? { path: modifyPath(path, r.path, matchedPrefix) } : {}),
    };
  }
  const rw = action.urlRewrite;
  return {
    type: 'route', service, route: hit.route, rule: hit.rule,
    ...(hit.ruleName ? { ruleName: hit.ruleName } : {}),
    backends: action.backends,
    errorShare: action.errorShare,
    filters: action.filters,
    ...(rw?.path ? { rewrittenPath: modifyPath(path, rw.path, matchedPrefix) } : {}),
    ...(rw?.hostname ? { rewrittenHost: rw.hostname } : {}),
    timeouts: action.timeouts,
    retry: action.retry,
    policy,
  };
}

export function simulate(snapshot: MeshSnapshot, req: SimulatedRequest): Decision {
  const service = resolveHost(snapshot, req.host, req.clientNamespace);
  if (!service) return { type: 'error', status: 503, reason: `no Service answers to "${req.host}" from namespace ${req.clientNamespace}` };
  const port = findPort(service, req.port);
  const name = nsName(service);
  if (!port) return { type: 'error', status: 503, reason: `Service ${name} has no port ${req.port}`, service: name };
  const resolved = resolveServicePort(snapshot, service, port, req.clientNamespace);

  if (req.grpc && resolved.grpc) {
    const call = { ...req.grpc, headers: req.headers };
    const hit = resolved.grpc.find((r) => r.entry.test(call));
    if (!hit) return { type: 'error', status: 404, reason: `no GRPCRoute rule of ${name} matches /${req.grpc.service}/${req.grpc.method}`, service: name };
    return decide(name, resolved.policy, hit, `/${req.grpc.service}/${req.grpc.method}`, '/');
  }
  if (!resolved.http) {
    return {
      type: 'route',
      service: name,
      backends: [{ service: name, cluster: resolved.cluster, port: port.port, weight: 1, share: 1, endpoints: resolved.endpoints }],
      errorShare: 0,
      filters: [],
      timeouts: { requestMs: requestTimeoutMs(resolved.policy) },
      retry: { attempts: 0, codes: [], backoffMs: 0 },
      policy: resolved.policy,
    };
  }
  const path = req.path ?? (req.grpc ? `/${req.grpc.service}/${req.grpc.method}` : '/');
  const request = { method: req.method ?? (req.grpc ? 'POST' : 'GET'), path, headers: req.headers };
  const hit = resolved.http.find((r) => r.entry.test(request));
  if (!hit) return { type: 'error', status: 404, reason: `no HTTPRoute rule of ${name} matches ${request.method} ${path}`, service: name };
  return decide(name, resolved.policy, hit, splitPath(path).path, hit.entry.pathValue);
}
