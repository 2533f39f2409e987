// The HTTP route table for one Service port: every (route, rule, match) of the attached
// HTTPRoutes, ordered by Gateway API precedence, so the first entry that matches a request is
// the one the spec says wins.
//
// Precedence (HTTPRouteRule docs): an Exact path; then the longest PathPrefix; then a method
// match; then the most header matches; then the most query-parameter matches; then the
// oldest route, then `namespace/name`; then rule order, then match order. RegularExpression
// precedence is implementation-specific: Weft ranks it between Exact and PathPrefix, longer
// patterns first (as Envoy Gateway does), so a catch-all prefix never shadows a regex.

import type { HTTPRouteMatch, HTTPRouteRule } from '../../api/index.ts';
import type { HTTPRouteResource } from './snapshot.ts';
import { olderFirst } from './snapshot.ts';
import { pathMatcher, headerMatcher, queryMatcher, splitPath, type HttpRequest, type PathType } from './request-match.ts';

export interface HttpRouteEntry {
  readonly route: HTTPRouteResource;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  readonly rule: HTTPRouteRule;
  readonly pathType: PathType;
  readonly pathValue: string;
  test(request: HttpRequest): boolean;
}

interface Ranked extends HttpRouteEntry {
  readonly method: boolean;
  readonly headers: number;
  readonly queries: number;
}

const TYPE_RANK: Readonly<Record<PathType, number>> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

function entry(route: HTTPRouteResource, rule: HTTPRouteRule, ruleIndex: number, m: HTTPRouteMatch, matchIndex: number): Ranked {
  const pathType = m.path?.type ?? 'PathPrefix';
  const pathValue = m.path?.value ?? '/';
  const path = pathMatcher(pathType, pathValue);
  const headers = headerMatcher(m.headers);
  const queries = queryMatcher(m.queryParams);
  const method = m.method;
  return {
    route, rule, ruleIndex, matchIndex, pathType, pathValue,
    method: method !== undefined,
    headers: headers.count,
    queries: queries.count,
    test(request) {
      if (method !== undefined && request.method.toUpperCase() !== method) return false;
      const { path: p, query } = splitPath(request.path);
      return path(p) && headers.test(request.headers) && queries.test(query);
    },
  };
}

function compare(a: Ranked, b: Ranked): number {
  return TYPE_RANK[a.pathType] - TYPE_RANK[b.pathType] ||
    (a.pathType === 'Exact' ? 0 : b.pathValue.length - a.pathValue.length) ||
    Number(b.method) - Number(a.method) ||
    b.headers - a.headers ||
    b.queries - a.queries ||
    olderFirst(a.route, b.route) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex;
}

export function httpRouteTable(routes: readonly HTTPRouteResource[]): HttpRouteEntry[] {
  const out: Ranked[] = [];
  for (const route of routes) {
    (route.spec.rules ?? []).forEach((rule, r) => {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{ path: { type: 'PathPrefix' as const, value: '/' } }];
      matches.forEach((m, i) => out.push(entry(route, rule, r, m, i)));
    });
  }
  return out.sort(compare);
}

