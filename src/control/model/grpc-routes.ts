// The gRPC route table for one Service port, ordered by GRPCRoute precedence: the most
// characters in a matching service, then in a matching method, then the most header matches;
// then the oldest route, then `namespace/name`, then rule and match order. A rule without
// matches matches every call.

import type { GRPCRouteMatch, GRPCRouteRule } from '../../api/index.ts';
import type { GRPCRouteResource } from './snapshot.ts';
import { olderFirst } from './snapshot.ts';
import { headerMatcher, type HttpRequest } from './request-match.ts';
import { fullRegex } from './re2.ts';

export interface GrpcRequest {
  /** Fully qualified service, e.g. `helloworld.Greeter`. */
  readonly service: string;
  readonly method: string;
  readonly headers?: HttpRequest['headers'];
}

export interface GrpcRouteEntry {
  readonly route: GRPCRouteResource;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  readonly rule: GRPCRouteRule;
  test(request: GrpcRequest): boolean;
}

interface Ranked extends GrpcRouteEntry {
  readonly serviceChars: number;
  readonly methodChars: number;
  readonly headers: number;
}

function part(type: 'Exact' | 'RegularExpression', value: string | undefined): (v: string) => boolean {
  if (value === undefined) return () => true;
  if (type === 'Exact') return (v) => v === value;
  const re = fullRegex(value);
  return (v) => re.test(v);
}

function entry(route: GRPCRouteResource, rule: GRPCRouteRule, ruleIndex: number, m: GRPCRouteMatch, matchIndex: number): Ranked {
  const type = m.method?.type ?? 'Exact';
  const service = part(type, m.method?.service);
  const method = part(type, m.method?.method);
  const headers = headerMatcher(m.headers);
  return {
    route, rule, ruleIndex, matchIndex,
    serviceChars: m.method?.service?.length ?? 0,
    methodChars: m.method?.method?.length ?? 0,
    headers: headers.count,
    test: (r) => service(r.service) && method(r.method) && headers.test(r.headers),
  };
}

function compare(a: Ranked, b: Ranked): number {
  return b.serviceChars - a.serviceChars || b.methodChars - a.methodChars || b.headers - a.headers ||
    olderFirst(a.route, b.route) || a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
}

export function grpcRouteTable(routes: readonly GRPCRouteResource[]): GrpcRouteEntry[] {
  const out: Ranked[] = [];
  for (const route of routes) {
    (route.spec.rules ?? []).forEach((rule, r) => {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
      matches.forEach((m, i) => out.push(entry(route, rule, r, m, i)));
    });
  }
  return out.sort(compare);
}
