// GRPCRoute (gateway.networking.k8s.io/v1) attached to Services (GAMMA). Gateway API v1 gives
// GRPCRoute no timeouts or retry; TrafficPolicy carries those for gRPC services.

import type { Static } from 'typebox';
import { Type, StringEnum } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import {
  ParentReference, HTTPHeaderFilter, RequestMirrorFilter, HeaderMatch, BackendRefWith,
  HOSTNAME_PATTERN, PRECISE_HOSTNAME_PATTERN,
  checkParentRefs, checkBackendObjectRef, checkHeaderFilter, checkMirror, checkHeaderMatches,
  checkFilterUnion, checkFilterRepeats, checkRegex,
} from './gateway-common.ts';
import { checkRuleNamesAndMatchTotal } from './httproute.ts';

export const GRPCMethodMatch = Type.Object({
  type: Type.Optional(StringEnum(['Exact', 'RegularExpression'], { default: 'Exact' })),
  service: Type.Optional(Type.String({ maxLength: 1024, description: 'Fully qualified service, e.g. `helloworld.Greeter`.' })),
  method: Type.Optional(Type.String({ maxLength: 1024, description: 'e.g. `SayHello`.' })),
});

export const GRPCRouteMatch = Type.Object({
  method: Type.Optional(GRPCMethodMatch),
  headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
});
export type GRPCRouteMatch = Static<typeof GRPCRouteMatch>;

const GRPC_FILTER_MEMBERS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
} as const;

export const GRPCRouteFilter = Type.Object({
  type: StringEnum(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror'], { description: 'ExtensionRef is not supported by Weft yet.' }),
  requestHeaderModifier: Type.Optional(HTTPHeaderFilter),
  responseHeaderModifier: Type.Optional(HTTPHeaderFilter),
  requestMirror: Type.Optional(RequestMirrorFilter),
});
export type GRPCRouteFilter = Static<typeof GRPCRouteFilter>;

export const GRPCBackendRef = BackendRefWith(GRPCRouteFilter);

export const GRPCRouteRule = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME_PATTERN })),
  matches: Type.Optional(Type.Array(GRPCRouteMatch, { maxItems: 64 })),
  filters: Type.Optional(Type.Array(GRPCRouteFilter, { maxItems: 16 })),
  backendRefs: Type.Optional(Type.Array(GRPCBackendRef, { maxItems: 16 })),
});
export type GRPCRouteRule = Static<typeof GRPCRouteRule>;

export const GRPCRouteSpec = Type.Object({
  parentRefs: Type.Array(ParentReference, { minItems: 1, maxItems: 32 }),
  hostnames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN }), { maxItems: 16 })),
  rules: Type.Optional(Type.Array(GRPCRouteRule, { maxItems: 16 })),
});
export type GRPCRouteSpec = Static<typeof GRPCRouteSpec>;

const SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

function checkMatch(m: GRPCRouteMatch, issues: IssueList, at: FieldPath): void {
  const mm = m.method;
  if (mm) {
    const path = [...at, 'method'];
    if (mm.service === undefined && mm.method === undefined) issues.add(path, "One or both of 'service' or 'method' must be specified");
    if ((mm.type ?? 'Exact') === 'Exact') {
      if (mm.service !== undefined && !SERVICE.test(mm.service)) issues.add([...path, 'service'], 'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)');
      if (mm.method !== undefined && !METHOD.test(mm.method)) issues.add([...path, 'method'], 'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)');
    } else {
      if (mm.service !== undefined) checkRegex(mm.service, issues, [...path, 'service']);
      if (mm.method !== undefined) checkRegex(mm.method, issues, [...path, 'method']);
    }
  }
  if (m.headers) {
    checkHeaderMatches(m.headers, issues, [...at, 'headers'], 'header');
    m.headers.forEach((h, i) => { if (h.type === 'RegularExpression') checkRegex(h.value, issues, [...at, 'headers', i, 'value']); });
  }
}

function checkFilters(filters: readonly GRPCRouteFilter[], issues: IssueList, at: FieldPath): void {
  filters.forEach((f, i) => {
    const path = [...at, i];
    if (!checkFilterUnion(f, GRPC_FILTER_MEMBERS, issues, path)) return;
    if (f.requestHeaderModifier) checkHeaderFilter(f.requestHeaderModifier, issues, [...path, 'requestHeaderModifier']);
    if (f.responseHeaderModifier) checkHeaderFilter(f.responseHeaderModifier, issues, [...path, 'responseHeaderModifier']);
    if (f.requestMirror) checkMirror(f.requestMirror, issues, [...path, 'requestMirror']);
  });
  checkFilterRepeats(filters, ['RequestHeaderModifier', 'ResponseHeaderModifier'], issues, at);
}

export function checkGRPCRoute(spec: GRPCRouteSpec, issues: IssueList, at: FieldPath): void {
  checkParentRefs(spec.parentRefs, issues, [...at, 'parentRefs']);
  const rules = spec.rules ?? [];
  checkRuleNamesAndMatchTotal(rules, issues, [...at, 'rules']);
  rules.forEach((rule, r) => {
    const path = [...at, 'rules', r];
    rule.matches?.forEach((m, i) => checkMatch(m, issues, [...path, 'matches', i]));
    if (rule.filters) checkFilters(rule.filters, issues, [...path, 'filters']);
    rule.backendRefs?.forEach((b, i) => {
      checkBackendObjectRef(b, issues, [...path, 'backendRefs', i]);
      if (b.filters) checkFilters(b.filters, issues, [...path, 'backendRefs', i, 'filters']);
    });
  });
}
