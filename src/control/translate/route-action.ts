// A resolved rule's action → the Envoy Route fields besides `match`: weighted clusters, header
// modifiers, rewrites, mirrors, redirects, the route timeout (`timeouts.request`), the retry
// policy (`retry`, with `timeouts.backendRequest` as per_try_timeout) and, for RingHash
// Services, the hash policy. Invalid backends (Gateway API: their share is answered 500) are
// left out of the weights, and a rule with no valid backend is a direct 500.

import type { HTTPHeaderFilter, HTTPRouteFilter, GRPCRouteFilter, BackendObjectReference } from '../../api/index.ts';
import type { RuleAction, EffectivePolicy } from '../model/index.ts';
import type { Json } from './route-match.ts';

type Filter = HTTPRouteFilter | GRPCRouteFilter;

/** Seconds as protobuf-JSON durations ("1.5s"). */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function headerOptions(f: HTTPHeaderFilter | undefined): { add: Json[]; remove: string[] } {
  const add = [
    ...(f?.set ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
    ...(f?.add ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' })),
  ];
  return { add, remove: [...(f?.remove ?? [])] };
}

/** request_/response_headers_to_add/remove for the header-modifier filters among `filters`. */
export function headerMutations(filters: readonly Filter[] | undefined): Json {
  const req = headerOptions(filters?.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier);
  const res = headerOptions(filters?.find((f) => f.type === 'ResponseHeaderModifier')?.responseHeaderModifier);
  return {
    ...(req.add.length ? { request_headers_to_add: req.add } : {}),
    ...(req.remove.length ? { request_headers_to_remove: req.remove } : {}),
    ...(res.add.length ? { response_headers_to_add: res.add } : {}),
    ...(res.remove.length ? { response_headers_to_remove: res.remove } : {}),
  };
}

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT',
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rule's PathPrefix without its trailing slash ('' for "/"), for ReplacePrefixMatch. */
function matchedPrefix(pathType: string | undefined, pathValue: string | undefined): string {
  return pathType === 'PathPrefix' ? (pathValue ?? '/').replace(/\/+$/, '') : '';
}

function redirectOf(redirect: NonNullable<HTTPRouteFilter['requestRedirect']>, prefix: string): Json {
  const out: Json = { response_code: REDIRECT_CODES[redirect.statusCode ?? 302] };
  if (redirect.scheme) out.scheme_redirect = redirect.scheme;
  if (redirect.hostname) out.host_redirect = redirect.hostname;
  if (redirect.port !== undefined) out.port_redirect = redirect.port;
  const path = redirect.path;
  if (path?.type === 'ReplaceFullPath') out.path_redirect = path.replaceFullPath ?? '/';
  else if (path?.type === 'ReplacePrefixMatch') Object.assign(out, prefixRewrite(prefix, path.replacePrefixMatch ?? '/'));
  return out;
}

/**
 * ReplacePrefixMatch element-wise: "/foo" → "/bar" turns "/foo/x" into "/bar/x"; Envoy's plain
 * prefix_rewrite would turn "/foo/x" into "//x" for a replacement of "/", so that case is a regex.
 */
function prefixRewrite(prefix: string, replacement: string): Json {
  const base = replacement.replace(/\/+$/, '');
  if (base === '') return { regex_rewrite: { pattern: { regex: `^${escapeRe(prefix)}/*` }, substitution: '/' } };
  return { prefix_rewrite: prefix === '' ? `${base}/` : base };
}

export interface ActionContext {
  readonly policy: EffectivePolicy;
  /** The cluster name of a backendRef (mirror targets), resolved in the route's namespace. */
  readonly clusterOf: (ref: BackendObjectReference) => string;
  readonly pathType?: string;
  readonly pathValue?: string;
  /**
   * Proxyless gRPC reads max_stream_duration as the call deadline, not `timeout`; a rule whose
   * timeout is the listener's default (common_http_protocol_options) needs none of its own.
   */
  readonly grpc?: { readonly defaultMs: number };
}

function retryPolicy(action: Extract<RuleAction, { type: 'forward' }>): Json | undefined {
  const { retry, timeouts } = action;
  if (retry.attempts === 0 && timeouts.backendRequestMs === undefined) return undefined;
  const on = retry.attempts > 0 ? ['connect-failure', 'refused-stream', 'reset', ...(retry.codes.length ? ['retriable-status-codes'] : [])] : [];
  return {
    retry_on: on.join(','),
    num_retries: retry.attempts,
    ...(retry.codes.length ? { retriable_status_codes: [...retry.codes] } : {}),
    ...(retry.attempts > 0 && retry.backoffMs > 0 ? { retry_back_off: { base_interval: seconds(retry.backoffMs) } } : {}),
    ...(timeouts.backendRequestMs ? { per_try_timeout: seconds(timeouts.backendRequestMs) } : {}),
  };
}

function hashPolicy(policy: EffectivePolicy): Json[] | undefined {
  const hp = policy.loadBalancer.type === 'RingHash' ? policy.loadBalancer.ringHash?.hashPolicies : undefined;
  return hp?.map((h) => {
    const terminal = h.terminal ? { terminal: true } : {};
    switch (h.type) {
      case 'Header': return { header: { header_name: h.header!.name }, ...terminal };
      case 'Cookie': return { cookie: { name: h.cookie!.name }, ...terminal };
      case 'QueryParameter': return { query_parameter: { name: h.queryParameter!.name }, ...terminal };
      case 'SourceIP': return { connection_properties: { source_ip: true }, ...terminal };
    }
  });
}

/** The route fields for forwarding to one cluster with the Service's defaults (no route attached). */
export function defaultRouteAction(cluster: string, policy: EffectivePolicy, requestMs: number, grpc = false): Json {
  const hash = hashPolicy(policy);
  return {
    cluster,
    // gRPC: the listener's max_stream_duration is this Service's default already.
    ...(grpc ? {} : { timeout: seconds(requestMs) }),
    ...(hash ? { hash_policy: hash } : {}),
  };
}

/** Route fields (without `match`) for one rule's action. */
export function routeFields(action: RuleAction, ctx: ActionContext): Json {
  if (action.type === 'redirect') return { redirect: redirectOf(action.redirect, matchedPrefix(ctx.pathType, ctx.pathValue)) };
  if (action.type === 'error') return { direct_response: { status: action.status, body: { inline_string: `${action.reason}\n` } } };
  const valid = action.backends.filter((b) => b.invalid === undefined && b.weight > 0);
  if (valid.length === 0) {
    const why = action.backends.map((b) => b.invalid).filter(Boolean).join('; ');
    return { direct_response: { status: 500, body: { inline_string: `no valid backend: ${why}\n` } } };
  }
  const route: Json = {};
  if (valid.length === 1 && !valid[0].filters?.length) route.cluster = valid[0].cluster;
  else {
    route.weighted_clusters = {
      clusters: valid.map((b) => ({ name: b.cluster, weight: b.weight, ...headerMutations(b.filters) })),
    };
  }
  const rewrite = action.urlRewrite;
  if (rewrite?.hostname) route.host_rewrite_literal = rewrite.hostname;
  if (rewrite?.path?.type === 'ReplaceFullPath') {
    route.regex_rewrite = { pattern: { regex: '^/.*$' }, substitution: rewrite.path.replaceFullPath ?? '/' };
  } else if (rewrite?.path?.type === 'ReplacePrefixMatch') {
    Object.assign(route, prefixRewrite(matchedPrefix(ctx.pathType, ctx.pathValue), rewrite.path.replacePrefixMatch ?? '/'));
  }
  if (ctx.grpc) {
    if (action.timeouts.requestMs !== ctx.grpc.defaultMs) route.max_stream_duration = { max_stream_duration: seconds(action.timeouts.requestMs) };
  } else route.timeout = seconds(action.timeouts.requestMs);
  const retry = retryPolicy(action);
  if (retry) route.retry_policy = retry;
  const mirrors = action.filters.filter((f) => f.type === 'RequestMirror').map((f) => {
    const m = f.requestMirror!;
    const fraction = m.fraction ?? (m.percent !== undefined ? { numerator: m.percent, denominator: 100 } : undefined);
    return {
      cluster: ctx.clusterOf(m.backendRef),
      ...(fraction ? { runtime_fraction: { default_value: fractional(fraction.numerator / (fraction.denominator ?? 100) * 100) } } : {}),
    };
  });
  if (mirrors.length) route.request_mirror_policies = mirrors;
  const hash = hashPolicy(ctx.policy);
  if (hash) route.hash_policy = hash;
  return { route, ...headerMutations(action.filters) };
}

/** A percentage (0–100, decimals allowed) as an Envoy FractionalPercent per million. */
export function fractional(percent: number): Json {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}
