// HTTPRoute (gateway.networking.k8s.io/v1) attached to Services (GAMMA), with the v1
// validation rules (the CRD's CEL rules) as checks. Defaults follow the CRD: a rule without
// matches matches PathPrefix "/", a path match is PathPrefix "/", a backend weight is 1.

import type { Static } from 'typebox';
import { Type, StringEnum, IntEnum, Duration, Port } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { durationMs } from '../duration.ts';
import {
  ParentReference, HTTPHeaderFilter, RequestMirrorFilter, HeaderMatch, BackendRefWith,
  HOSTNAME_PATTERN, PRECISE_HOSTNAME_PATTERN, HEADER_NAME_PATTERN,
  checkParentRefs, checkBackendObjectRef, checkHeaderFilter, checkMirror, checkHeaderMatches,
  checkFilterUnion, checkFilterRepeats, checkRegex,
} from './gateway-common.ts';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

export const HTTPPathMatch = Type.Object({
  type: Type.Optional(StringEnum(['Exact', 'PathPrefix', 'RegularExpression'], { default: 'PathPrefix' })),
  value: Type.Optional(Type.String({ maxLength: 1024, default: '/' })),
});

export const HTTPQueryParamMatch = Type.Object({
  type: Type.Optional(StringEnum(['Exact', 'RegularExpression'], { default: 'Exact' })),
  name: Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }),
  value: Type.String({ minLength: 1, maxLength: 1024 }),
});

export const HTTPRouteMatch = Type.Object({
  path: Type.Optional(HTTPPathMatch),
  headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
  queryParams: Type.Optional(Type.Array(HTTPQueryParamMatch, { maxItems: 16 })),
  method: Type.Optional(StringEnum(HTTP_METHODS)),
});
export type HTTPRouteMatch = Static<typeof HTTPRouteMatch>;

export const HTTPPathModifier = Type.Object({
  type: StringEnum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: Type.Optional(Type.String({ maxLength: 1024 })),
  replacePrefixMatch: Type.Optional(Type.String({ maxLength: 1024 })),
});
type HTTPPathModifier = Static<typeof HTTPPathModifier>;

export const HTTPRequestRedirectFilter = Type.Object({
  scheme: Type.Optional(StringEnum(['http', 'https'])),
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME_PATTERN })),
  path: Type.Optional(HTTPPathModifier),
  port: Type.Optional(Port()),
  statusCode: Type.Optional(IntEnum([301, 302, 303, 307, 308], { default: 302 })),
});

export const HTTPURLRewriteFilter = Type.Object({
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME_PATTERN })),
  path: Type.Optional(HTTPPathModifier),
});

export const HTTP_FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite'] as const;
const HTTP_FILTER_MEMBERS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
} as const;

export const HTTPRouteFilter = Type.Object({
  type: StringEnum(HTTP_FILTER_TYPES, { description: 'ExtensionRef and CORS are not supported by Weft yet.' }),
  requestHeaderModifier: Type.Optional(HTTPHeaderFilter),
  responseHeaderModifier: Type.Optional(HTTPHeaderFilter),
  requestMirror: Type.Optional(RequestMirrorFilter),
  requestRedirect: Type.Optional(HTTPRequestRedirectFilter),
  urlRewrite: Type.Optional(HTTPURLRewriteFilter),
});
export type HTTPRouteFilter = Static<typeof HTTPRouteFilter>;

export const HTTPBackendRef = BackendRefWith(HTTPRouteFilter);
export type HTTPBackendRef = Static<typeof HTTPBackendRef>;

export const HTTPRouteTimeouts = Type.Object({
  request: Type.Optional(Duration({ description: 'Whole request, retries included; "0s" disables.' })),
  backendRequest: Type.Optional(Duration({ description: 'Each try to a backend; at most `request`.' })),
});

/** HTTPRouteRetry (v1, experimental channel). */
export const HTTPRouteRetry = Type.Object({
  codes: Type.Optional(Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { maxItems: 32 })),
  attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Retries after the first try; 0 disables.' })),
  backoff: Type.Optional(Duration({ description: 'Base interval of the exponential backoff (jittered).' })),
});

export const HTTPRouteRule = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME_PATTERN })),
  matches: Type.Optional(Type.Array(HTTPRouteMatch, { maxItems: 64, default: [{ path: { type: 'PathPrefix', value: '/' } }] })),
  filters: Type.Optional(Type.Array(HTTPRouteFilter, { maxItems: 16 })),
  backendRefs: Type.Optional(Type.Array(HTTPBackendRef, { maxItems: 16 })),
  timeouts: Type.Optional(HTTPRouteTimeouts),
  retry: Type.Optional(HTTPRouteRetry),
});
export type HTTPRouteRule = Static<typeof HTTPRouteRule>;

export const HTTPRouteSpec = Type.Object({
  parentRefs: Type.Array(ParentReference, { minItems: 1, maxItems: 32 }),
  hostnames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN }), { maxItems: 16 })),
  rules: Type.Optional(Type.Array(HTTPRouteRule, { minItems: 1, maxItems: 16, default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] })),
});
export type HTTPRouteSpec = Static<typeof HTTPRouteSpec>;

const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The HTTPPathMatch CEL rules for Exact and PathPrefix values, in the CRD's words. */
export function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']";
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `must not contain '${bad}' when type one of ['Exact', 'PathPrefix']`;
  }
  for (const end of ['/..', '/.']) {
    if (value.endsWith(end)) return `must not end with '${end}' when type one of ['Exact', 'PathPrefix']`;
  }
  if (!PATH_CHARS.test(value)) return "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']";
  return undefined;
}

function checkMatch(m: HTTPRouteMatch, issues: IssueList, at: FieldPath): void {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  if (type === 'RegularExpression') checkRegex(value, issues, [...at, 'path', 'value']);
  else {
    const problem = pathValueProblem(value);
    if (problem) issues.add([...at, 'path', 'value'], problem);
  }
  if (m.headers) {
    checkHeaderMatches(m.headers, issues, [...at, 'headers'], 'header');
    m.headers.forEach((h, i) => { if (h.type === 'RegularExpression') checkRegex(h.value, issues, [...at, 'headers', i, 'value']); });
  }
  if (m.queryParams) {
    checkHeaderMatches(m.queryParams, issues, [...at, 'queryParams'], 'query parameter');
    m.queryParams.forEach((q, i) => { if (q.type === 'RegularExpression') checkRegex(q.value, issues, [...at, 'queryParams', i, 'value']); });
  }
}

function checkPathModifier(p: HTTPPathModifier, issues: IssueList, at: FieldPath): void {
  if (p.type === 'ReplaceFullPath' && p.replaceFullPath === undefined) issues.add(at, "replaceFullPath must be specified when type is set to 'ReplaceFullPath'");
  if (p.replaceFullPath !== undefined && p.type !== 'ReplaceFullPath') issues.add([...at, 'replaceFullPath'], "type must be 'ReplaceFullPath' when replaceFullPath is set");
  if (p.type === 'ReplacePrefixMatch' && p.replacePrefixMatch === undefined) issues.add(at, "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'");
  if (p.replacePrefixMatch !== undefined && p.type !== 'ReplacePrefixMatch') issues.add([...at, 'replacePrefixMatch'], "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set");
}

/** True when the filter list rewrites by prefix (which needs exactly one PathPrefix match). */
function checkFilters(filters: readonly HTTPRouteFilter[], issues: IssueList, at: FieldPath): boolean {
  let prefixRewrite = false;
  filters.forEach((f, i) => {
    const path = [...at, i];
    if (!checkFilterUnion(f, HTTP_FILTER_MEMBERS, issues, path)) return;
    if (f.requestHeaderModifier) checkHeaderFilter(f.requestHeaderModifier, issues, [...path, 'requestHeaderModifier']);
    if (f.responseHeaderModifier) checkHeaderFilter(f.responseHeaderModifier, issues, [...path, 'responseHeaderModifier']);
    if (f.requestMirror) checkMirror(f.requestMirror, issues, [...path, 'requestMirror']);
    const mod = f.requestRedirect?.path ?? f.urlRewrite?.path;
    if (mod) {
      checkPathModifier(mod, issues, [...path, f.requestRedirect ? 'requestRedirect' : 'urlRewrite', 'path']);
      if (mod.type === 'ReplacePrefixMatch' && mod.replacePrefixMatch !== undefined) prefixRewrite = true;
    }
  });
  checkFilterRepeats(filters, ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'], issues, at);
  if (filters.some((f) => f.type === 'RequestRedirect') && filters.some((f) => f.type === 'URLRewrite')) {
    issues.add(at, 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both');
  }
  return prefixRewrite;
}

function checkRule(rule: HTTPRouteRule, issues: IssueList, at: FieldPath): void {
  const matches = rule.matches ?? [];
  matches.forEach((m, i) => checkMatch(m, issues, [...at, 'matches', i]));
  let prefixRewrite = rule.filters ? checkFilters(rule.filters, issues, [...at, 'filters']) : false;
  const backends = rule.backendRefs ?? [];
  backends.forEach((b, i) => {
    checkBackendObjectRef(b, issues, [...at, 'backendRefs', i]);
    if (b.filters && checkFilters(b.filters, issues, [...at, 'backendRefs', i, 'filters'])) prefixRewrite = true;
  });
  if (prefixRewrite && (matches.length !== 1 || (matches[0].path?.type ?? 'PathPrefix') !== 'PathPrefix')) {
    issues.add([...at, 'matches'], 'When using a RequestRedirect or URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified');
  }
  if (backends.length > 0 && rule.filters?.some((f) => f.type === 'RequestRedirect')) {
    issues.add([...at, 'filters'], 'RequestRedirect filter must not be used together with backendRefs');
  }
  const t = rule.timeouts;
  if (t?.request !== undefined && t.backendRequest !== undefined) {
    const request = durationMs(t.request);
    const backend = durationMs(t.backendRequest);
    if (request !== undefined && backend !== undefined && request !== 0 && backend > request) {
      issues.add([...at, 'timeouts', 'backendRequest'], `backendRequest timeout cannot be longer than request timeout (${t.backendRequest} > ${t.request})`);
    }
  }
  if (rule.retry?.codes) {
    const seen = new Set<number>();
    rule.retry.codes.forEach((c, i) => {
      if (seen.has(c)) issues.add([...at, 'retry', 'codes', i], `duplicate status code ${c}`);
      seen.add(c);
    });
  }
}

/** Rule names unique; at most 128 matches in all rules (the CRD's CEL rules). */
export function checkRuleNamesAndMatchTotal(rules: readonly { readonly name?: string; readonly matches?: readonly unknown[] }[], issues: IssueList, at: FieldPath): void {
  const names = new Map<string, number>();
  let total = 0;
  rules.forEach((r, i) => {
    total += r.matches?.length ?? 0;
    if (r.name === undefined) return;
    const first = names.get(r.name);
    if (first !== undefined) issues.add([...at, i, 'name'], `Rule name must be unique within the route (also rules[${first}])`);
    else names.set(r.name, i);
  });
  if (total > 128) issues.add(at, `While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128 (got ${total})`);
}

export function checkHTTPRoute(spec: HTTPRouteSpec, issues: IssueList, at: FieldPath): void {
  checkParentRefs(spec.parentRefs, issues, [...at, 'parentRefs']);
  const rules = spec.rules ?? [];
  checkRuleNamesAndMatchTotal(rules, issues, [...at, 'rules']);
  rules.forEach((r, i) => checkRule(r, issues, [...at, 'rules', i]));
}
