// RouteConfigurations (RDS): per Service port one virtual host whose routes are the port's
// resolved rules in precedence order — for a sidecar's outbound listener all Service ports in one
// table (`15001`), for a proxyless gRPC client one table per client listener, and for a
// sidecar's inbound listener one virtual host per Service port its Workload backs.

import type { HTTPRouteMatch } from '../../api/index.ts';
import { requestTimeoutMs } from '../model/service-routes.ts';
import { outboundCluster, clusterDomain, type MeshSnapshot, type ResolvedServicePort } from '../model/index.ts';
import type { ServiceResource } from '../model/snapshot.ts';
import { serviceDomains } from './domains.ts';
import { httpMatch, grpcMatch, type Json } from './route-match.ts';
import { routeFields, defaultRouteAction, fractional } from './route-action.ts';


export const FAULT_FILTER = 'envoy.filters.http.fault';
export const RATE_LIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const RATE_LIMIT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

export interface PortView {
  readonly service: ServiceResource;
  readonly resolved: ResolvedServicePort;
}

const DEFAULT_HTTP_MATCH: HTTPRouteMatch = { path: { type: 'PathPrefix', value: '/' } };

/** The routes of one Service port. `proxyless`: gRPC rules without a content-type guard, no HTTP fallback. */
export function portRoutes(snapshot: MeshSnapshot, view: PortView, proxyless: boolean): Json[] {
  const { resolved: r } = view;
  const domain = clusterDomain(snapshot);
  const routes: Json[] = [];
  const ctxFor = (route: string) => {
    const ns = route.split('/')[0];
    return { policy: r.policy, ...(proxyless ? { grpc: { defaultMs: requestTimeoutMs(r.policy) } } : {}), clusterOf: (ref: { name: string; namespace?: string; port?: number }) => outboundCluster(`${ref.name}.${ref.namespace ?? ns}.svc.${domain}`, ref.port ?? 0) };
  };
  for (const rule of r.grpc ?? []) {
    const m = rule.entry.rule.matches?.[rule.entry.matchIndex] ?? {};
    routes.push({ name: `${rule.route}#${rule.rule}`, match: grpcMatch(m, !proxyless), ...routeFields(rule.action, ctxFor(rule.route)) });
  }
  if (proxyless && r.grpc) return routes;
  for (const rule of r.http ?? []) {
    const m = rule.entry.rule.matches?.[rule.entry.matchIndex] ?? DEFAULT_HTTP_MATCH;
    routes.push({
      name: `${rule.route}#${rule.rule}`,
      match: httpMatch(m),
      ...routeFields(rule.action, { ...ctxFor(rule.route), pathType: rule.entry.pathType, pathValue: rule.entry.pathValue }),
    });
  }
  // No HTTPRoute: every call goes to the Service itself, with its policy's default timeout.
  if (!r.http) routes.push({ name: 'default', match: { prefix: '/' }, route: defaultRouteAction(r.cluster, r.policy, requestTimeoutMs(r.policy), proxyless) });
  return routes;
}

/** Fault injection from the Service's TrafficPolicy, applied by the calling side (as Istio does). */
function faultConfig(r: ResolvedServicePort): Json | undefined {
  const f = r.policy.faultInjection;
  if (!f) return undefined;
  return {
    '@type': FAULT_TYPE,
    ...(f.delay ? { delay: { fixed_delay: f.delay.fixedDelay, percentage: fractional(f.delay.percentage) } } : {}),
    ...(f.abort ? { abort: { ...(f.abort.httpStatus !== undefined ? { http_status: f.abort.httpStatus } : { grpc_status: f.abort.grpcStatus }), percentage: fractional(f.abort.percentage) } } : {}),
  };
}

/** The Service's local rate limit, enforced by its Workloads' inbound listeners (one bucket per sidecar). */
export function rateLimitConfig(r: ResolvedServicePort): Json | undefined {
  const l = r.policy.localRateLimit;
  if (!l) return undefined;
  const all = { default_value: { numerator: 100, denominator: 'HUNDRED' } };
  return {
    '@type': RATE_LIMIT_TYPE,
    stat_prefix: `inbound_${r.port.port}_${r.service.replace('/', '_')}`,
    token_bucket: { max_tokens: l.burst ?? l.requestRate.num, tokens_per_fill: l.requestRate.num, fill_interval: l.requestRate.interval },
    filter_enabled: all,
    filter_enforced: all,
    ...(l.onRateLimit?.status !== undefined && l.onRateLimit.status !== 429 ? { status: { code: l.onRateLimit.status } } : {}),
  };
}

export function outboundVirtualHost(snapshot: MeshSnapshot, view: PortView, clientNamespace: string, proxyless: boolean, domains?: readonly string[]): Json {
  const r = view.resolved;
  const fault = faultConfig(r);
  return {
    name: `${r.host}:${r.port.port}`,
    domains: [...(domains ?? serviceDomains(view.service, r.host, r.port.port, clientNamespace))],
    routes: portRoutes(snapshot, view, proxyless),
    ...(fault ? { typed_per_filter_config: { [FAULT_FILTER]: fault } } : {}),
  };
}

/** The sidecar's one outbound table: every Service port the client can call. */
export function outboundRouteConfiguration(snapshot: MeshSnapshot, views: readonly PortView[], clientNamespace: string, name: string): Json {
  return {
    name,
    virtual_hosts: views.map((v) => outboundVirtualHost(snapshot, v, clientNamespace, false)),
    validate_clusters: false,
  };
}

export const inboundCluster = (targetPort: number, host: string) => `inbound|${targetPort}||${host}`;

export interface InboundPort {
  readonly view: PortView;
  readonly targetPort: number;
}

/** The inbound table: Host → the app port that Service port targets on this Workload. No timeout: the caller's sidecar enforces the route's. */
export function inboundRouteConfiguration(ports: readonly InboundPort[], namespace: string, name: string): Json {
  const vhosts = ports.map(({ view, targetPort }) => {
    const r = view.resolved;
    const limit = rateLimitConfig(r);
    return {
      name: `inbound|${r.host}:${r.port.port}`,
      domains: serviceDomains(view.service, r.host, r.port.port, namespace),
      routes: [{ name: 'inbound', match: { prefix: '/' }, route: { cluster: inboundCluster(targetPort, r.host), timeout: '0s' } }],
      ...(limit ? { typed_per_filter_config: { [RATE_LIMIT_FILTER]: limit } } : {}),
    };
  });
  // A Host the table does not know (a rewritten one, an IP) goes to the Workload's first port.
  const first = ports[0];
  if (first) {
    vhosts.push({ ...vhosts[0], name: 'inbound|*', domains: ['*'] });
  }
  return { name, virtual_hosts: vhosts, validate_clusters: false };
}
