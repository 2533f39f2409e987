// Gateway API matches → Envoy RouteMatch. PathPrefix is element-wise in the Gateway API ("/foo"
// matches "/foo" and "/foo/bar", not "/foobar"), which is Envoy's path_separated_prefix; header
// names match case-insensitively (Envoy lower-cases them); regexes are RE2 and match whole
// values in both. A GRPCRoute method match is a match on the `/<service>/<method>` path.

import type { HTTPRouteMatch, GRPCRouteMatch, HeaderMatch } from '../../api/index.ts';

export type Json = Record<string, unknown>;

function stringMatch(type: 'Exact' | 'RegularExpression' | undefined, value: string): Json {
  return type === 'RegularExpression' ? { safe_regex: { regex: value } } : { exact: value };
}

function headerMatchers(headers: readonly HeaderMatch[] | undefined): Json[] {
  return (headers ?? []).map((h) => ({ name: h.name.toLowerCase(), string_match: stringMatch(h.type, h.value) }));
}

function pathOf(path: HTTPRouteMatch['path']): Json {
  const type = path?.type ?? 'PathPrefix';
  const value = path?.value ?? '/';
  if (type === 'Exact') return { path: value };
  if (type === 'RegularExpression') return { safe_regex: { regex: value } };
  // A trailing slash is ignored by the Gateway API's element-wise prefix.
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? { prefix: '/' } : { path_separated_prefix: trimmed };
}

export function httpMatch(m: HTTPRouteMatch): Json {
  const headers = headerMatchers(m.headers);
  if (m.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  const query = (m.queryParams ?? []).map((q) => ({ name: q.name, string_match: stringMatch(q.type, q.value) }));
  return { ...pathOf(m.path), ...(headers.length ? { headers } : {}), ...(query.length ? { query_parameters: query } : {}) };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function grpcPath(method: GRPCRouteMatch['method']): Json {
  if (!method || (method.service === undefined && method.method === undefined)) return { prefix: '/' };
  const { service, method: name } = method;
  if ((method.type ?? 'Exact') === 'Exact') {
    if (service !== undefined && name !== undefined) return { path: `/${service}/${name}` };
    if (service !== undefined) return { prefix: `/${service}/` };
    return { safe_regex: { regex: `/[^/]+/${escapeRe(name!)}` } };
  }
  return { safe_regex: { regex: `/${service ?? '[^/]+'}/${name ?? '[^/]+'}` } };
}

/** `grpcOnly` adds a content-type match, so a sidecar sends only gRPC calls down gRPC rules. */
export function grpcMatch(m: GRPCRouteMatch, grpcOnly: boolean): Json {
  const headers = headerMatchers(m.headers);
  if (grpcOnly) headers.push({ name: 'content-type', string_match: { prefix: 'application/grpc' } });
  return { ...grpcPath(m.method), ...(headers.length ? { headers } : {}) };
}
