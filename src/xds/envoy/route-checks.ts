// Semantic checks on a decoded RouteConfiguration — what Envoy rejects when it builds the route
// table (regexes, domains, weights, header mutations, body sizes, cluster references).
// Shared by the bootstrap loader and, later, RDS.

import type { HeaderValueOption, StringMatcher } from './core.ts';
import { domainKey, parseDomain } from './domains.ts';
import { formatPath, type FieldPath, type Issues } from './issues.ts';
import { compileRe2, parseRe2Substitution } from './regex.ts';
import type { HeaderMatcher } from './route-match.ts';
import { checkRetryPolicy } from './retry-checks.ts';
import { DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES, type RouteAction, type RouteConfiguration } from './route.ts';

/** Refuse tables whose first-match scan would dominate request latency (RELIABILITY.md D5). */
export const MAX_ROUTES_PER_ROUTE_CONFIGURATION = 10_000;

export interface RouteCheckOptions {
  /** Envoy's default for `validate_clusters`: true for an inline table, false for RDS. */
  readonly validateClustersDefault: boolean;
  /** Names of the clusters that exist, for reference checks. */
  readonly clusters: ReadonlySet<string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
// RFC 9110 field-value: visible ASCII, SP, HTAB and obs-text (0x80–0xFF). Anything else (NUL,
// CR, LF, other controls, DEL, or characters beyond Latin-1, which the HTTP/1.1 serializer would
// refuse on every request) is refused here, once, at load.
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

export function checkRegex(pattern: string, path: FieldPath, issues: Issues): void {
  const r = compileRe2(pattern);
  if (!r.ok) (r.unsupported ? issues.unsupported : issues.invalid).call(issues, path, r.reason);
}

export function checkStringMatcher(m: StringMatcher | undefined, path: FieldPath, issues: Issues): void {
  if (m?.safe_regex) checkRegex(m.safe_regex.regex, [...path, 'safe_regex', 'regex'], issues);
}

/** A route (or fault filter) header matcher: a valid name, compilable regexes. */
export function checkHeaderMatcher(h: HeaderMatcher, at: FieldPath, issues: Issues): void {
  if (!h.name.startsWith(':') && !TOKEN.test(h.name)) issues.invalid([...at, 'name'], `'${h.name}' is not a valid header name`);
  if (h.safe_regex_match) checkRegex(h.safe_regex_match.regex, [...at, 'safe_regex_match', 'regex'], issues);
  checkStringMatcher(h.string_match, [...at, 'string_match'], issues);
}

/** True when the value has a `%…%` substitution (only `%%`, a literal percent, is allowed). */
export function hasFormatter(value: string): boolean {
  for (let i = value.indexOf('%'); i >= 0; i = value.indexOf('%', i + 2)) {
    if (value[i + 1] !== '%') return true;
  }
  return false;
}

function checkHeaderName(name: string, path: FieldPath, issues: Issues, what: string): void {
  const lower = name.toLowerCase();
  if (lower.startsWith(':') || lower === 'host') issues.invalid(path, `:-prefixed or host headers may not be ${what}`);
  else if (!TOKEN.test(name)) issues.invalid(path, `'${name}' is not a valid header name`);
}

export function checkHeaderMutations(
  node: { request_headers_to_add?: HeaderValueOption[]; request_headers_to_remove?: string[]; response_headers_to_add?: HeaderValueOption[]; response_headers_to_remove?: string[] },
  path: FieldPath,
  issues: Issues,
): void {
  for (const field of ['request_headers_to_add', 'response_headers_to_add'] as const) {
    (node[field] ?? []).forEach((o, i) => {
      const at = [...path, field, i];
      checkHeaderName(o.header.key, [...at, 'header', 'key'], issues, 'modified');
      const value = o.header.value ?? '';
      if (BAD_VALUE_CHAR.test(value)) issues.invalid([...at, 'header', 'value'], 'header values may hold only visible ASCII, space, tab and Latin-1 characters (no NUL, CR, LF or other controls)');
      else if (hasFormatter(value)) {
        issues.unsupported(
          [...at, 'header', 'value'],
          `Weft does not support header value substitutions such as %DOWNSTREAM_REMOTE_ADDRESS% yet; write %% for a literal '%'`,
        );
      }
      if (o.append !== undefined && o.append_action !== undefined && o.append_action !== 'APPEND_IF_EXISTS_OR_ADD') {
        issues.invalid(at, "set either 'append' (legacy) or 'append_action', not both");
      }
    });
  }
  for (const field of ['request_headers_to_remove', 'response_headers_to_remove'] as const) {
    (node[field] ?? []).forEach((name, i) => checkHeaderName(name, [...path, field, i], issues, 'removed'));
  }
}

type Mutations = Parameters<typeof checkHeaderMutations>[0];

function hasMutations(m: Mutations): boolean {
  return [m.request_headers_to_add, m.request_headers_to_remove, m.response_headers_to_add, m.response_headers_to_remove].some(
    (l) => (l?.length ?? 0) > 0,
  );
}

function checkCluster(name: string, path: FieldPath, issues: Issues, opts: RouteCheckOptions, validate: boolean): void {
  if (!validate || opts.clusters.has(name)) return;
  const known = [...opts.clusters].slice(0, 10).join(', ') || 'none';
  issues.invalid(path, `unknown cluster '${name}' (defined: ${known}); define it under static_resources.clusters or set validate_clusters: false`);
}

function checkRouteAction(a: RouteAction, path: FieldPath, issues: Issues, opts: RouteCheckOptions, validate: boolean): void {
  if (a.cluster !== undefined) checkCluster(a.cluster, [...path, 'cluster'], issues, opts, validate);
  if (a.weighted_clusters) {
    const wc = a.weighted_clusters;
    const wpath = [...path, 'weighted_clusters'];
    let sum = 0;
    const first = new Map<string, (typeof wc.clusters)[number]>();
    wc.clusters.forEach((c, i) => {
      const at = [...wpath, 'clusters', i];
      sum += c.weight ?? 0;
      checkCluster(c.name, [...at, 'name'], issues, opts, validate);
      checkHeaderMutations(c, at, issues);
      // The router keys weighted-cluster header mutations by cluster name.
      const prev = first.get(c.name);
      if (prev === undefined) first.set(c.name, c);
      else if (hasMutations(c) || hasMutations(prev)) {
        issues.unsupported(at, `cluster '${c.name}' is listed twice and one entry mutates headers; merge the entries`);
      }
    });
    if (sum === 0) issues.invalid(wpath, 'the weights of weighted_clusters must add up to more than 0');
    else if (sum > 4294967295) issues.invalid(wpath, 'the weights of weighted_clusters must add up to at most 4294967295');
    else if (wc.total_weight !== undefined && wc.total_weight > 0 && wc.total_weight !== sum) {
      issues.invalid([...wpath, 'total_weight'], `the weights add up to ${sum}, not total_weight ${wc.total_weight}; fix them or drop the deprecated total_weight`);
    }
  }
  if (a.regex_rewrite) checkRewrite(a.regex_rewrite, [...path, 'regex_rewrite'], issues);
  if (a.retry_policy) checkRetryPolicy(a.retry_policy, [...path, 'retry_policy'], issues);
  (a.request_mirror_policies ?? []).forEach((m, i) =>
    checkCluster(m.cluster, [...path, 'request_mirror_policies', i, 'cluster'], issues, opts, validate),
  );
}

function checkRewrite(r: { pattern: { regex: string }; substitution?: string }, path: FieldPath, issues: Issues): void {
  const c = compileRe2(r.pattern.regex);
  if (!c.ok) {
    (c.unsupported ? issues.unsupported : issues.invalid).call(issues, [...path, 'pattern', 'regex'], c.reason);
    return;
  }
  const s = parseRe2Substitution(r.substitution ?? '', c.compiled.groups);
  if (!s.ok) issues.invalid([...path, 'substitution'], s.reason);
}

function bodyBytes(body: { inline_string?: string; inline_bytes?: string } | undefined): number {
  if (!body) return 0;
  if (body.inline_bytes !== undefined) return Buffer.byteLength(body.inline_bytes, 'base64');
  return Buffer.byteLength(body.inline_string ?? '', 'utf8');
}

/** Checks `rc` (decoded) and appends issues under `path`. */
export function checkRouteConfiguration(rc: RouteConfiguration, path: FieldPath, issues: Issues, opts: RouteCheckOptions): void {
  const validate = rc.validate_clusters ?? opts.validateClustersDefault;
  const maxBody = rc.max_direct_response_body_size_bytes ?? DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES;
  checkHeaderMutations(rc, path, issues);
  const seenDomains = new Map<string, FieldPath>();
  let routeCount = 0;
  (rc.virtual_hosts ?? []).forEach((vh, v) => {
    const vpath = [...path, 'virtual_hosts', v];
    vh.domains.forEach((d, i) => {
      const at = [...vpath, 'domains', i];
      const parsed = parseDomain(d);
      if (parsed.kind === 'invalid') return issues.invalid(at, parsed.reason);
      const key = domainKey(parsed);
      const first = seenDomains.get(key);
      if (first) {
        const msg = parsed.kind === 'any' ? "only one virtual host may use the '*' domain" : `duplicate domain '${d}'`;
        issues.invalid(at, `${msg} (also at ${formatPath(first)}); each domain must be unique across virtual hosts`);
      } else seenDomains.set(key, at);
    });
    checkHeaderMutations(vh, vpath, issues);
    if (vh.retry_policy) checkRetryPolicy(vh.retry_policy, [...vpath, 'retry_policy'], issues);
    (vh.routes ?? []).forEach((r, i) => {
      routeCount++;
      const rpath = [...vpath, 'routes', i];
      const m = r.match;
      if (m.safe_regex) checkRegex(m.safe_regex.regex, [...rpath, 'match', 'safe_regex', 'regex'], issues);
      (m.headers ?? []).forEach((h, j) => checkHeaderMatcher(h, [...rpath, 'match', 'headers', j], issues));
      (m.query_parameters ?? []).forEach((q, j) =>
        checkStringMatcher(q.string_match, [...rpath, 'match', 'query_parameters', j, 'string_match'], issues),
      );
      checkHeaderMutations(r, rpath, issues);
      if (r.route) checkRouteAction(r.route, [...rpath, 'route'], issues, opts, validate);
      if (r.redirect?.regex_rewrite) checkRewrite(r.redirect.regex_rewrite, [...rpath, 'redirect', 'regex_rewrite'], issues);
      if (r.redirect?.host_redirect !== undefined && BAD_VALUE_CHAR.test(r.redirect.host_redirect)) {
        issues.invalid([...rpath, 'redirect', 'host_redirect'], 'may hold only visible ASCII, space, tab and Latin-1 characters');
      }
      const size = bodyBytes(r.direct_response?.body);
      if (size > maxBody) {
        issues.invalid(
          [...rpath, 'direct_response', 'body'],
          `response body size is ${size} bytes; maximum is ${maxBody} (raise max_direct_response_body_size_bytes)`,
        );
      }
    });
  });
  if (routeCount > MAX_ROUTES_PER_ROUTE_CONFIGURATION) {
    issues.invalid(path, `${routeCount} routes exceed Weft's limit of ${MAX_ROUTES_PER_ROUTE_CONFIGURATION} per route table`);
  }
}
