import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, HttpConnectionManager, Issues, TYPE_URLS } from '../../../xds/envoy/index.ts';
import { ProxyMetrics } from '../../observe/metrics.ts';
import { compileRouteConfiguration } from '../route/index.ts';
import { buildHttpFilters, type HttpFilterChains } from './chain.ts';
import type { DownstreamStream, FilterHost, FilterReply, RequestHead } from './types.ts';

/** Fault and rate-limit filters read neither the stream nor the host. */
const NO_CONTEXT = [null as unknown as DownstreamStream, null as unknown as FilterHost] as const;

const ROUTER = { name: 'router', typed_config: { '@type': TYPE_URLS.router } };
const ALL = { numerator: 100 };
const abort = (status: number) => ({ '@type': TYPE_URLS.fault, abort: { http_status: status, percentage: ALL } });
const wrap = (body: object) => ({ '@type': TYPE_URLS.filterConfig, ...body });
const rl = (max: number) => ({
  '@type': TYPE_URLS.localRateLimit, stat_prefix: 'rl', token_bucket: { max_tokens: max, fill_interval: '60s' },
  filter_enabled: { default_value: ALL }, filter_enforced: { default_value: ALL },
});

function build(filters: object[], hosts: object[], table: object = {}, previous: HttpFilterChains | null = null) {
  const issues = new Issues();
  const h = decode(HttpConnectionManager, {
    '@type': TYPE_URLS.httpConnectionManager, stat_prefix: 's', http_filters: filters, route_config: { virtual_hosts: hosts, ...table },
  }, [], issues) as HttpConnectionManager;
  assert.deepEqual(issues.list, []);
  const routes = compileRouteConfiguration(h.route_config!);
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  return { chains: buildHttpFilters(h, routes, 'main', metrics, h.route_config, previous), routes, metrics };
}

const head = (): RequestHead => ({ method: 'GET', path: '/', authority: 'a', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false });
const route = (name: string, extra: object = {}) => ({ name, match: { prefix: `/${name}` }, direct_response: { status: 200 }, ...extra });

/** The status each route's filters answer with (0: they let it through). */
function verdicts(b: ReturnType<typeof build>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const vh of b.routes.virtualHosts) {
    for (const r of vh.routes) {
      out[r.name] = b.chains!.filtersOf(r).map((f) => (f.onRequest(head(), ...NO_CONTEXT) as FilterReply | null)?.status ?? 0);
    }
  }
  return out;
}

test('only the router: no filter chains at all (the exchange then skips them with one check)', () => {
  assert.equal(build([ROUTER], [{ name: 'v', domains: ['*'], routes: [route('a')] }]).chains, null);
  // An optional filter Weft does not know is left out too.
  const cors = { name: 'cors', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };
  assert.equal(build([cors, ROUTER], [{ name: 'v', domains: ['*'], routes: [route('a')] }]).chains, null);
});

test('the most specific config wins: route, then virtual host, then listener; disabled turns it off', () => {
  const b = build([{ name: 'fault', typed_config: abort(500) }, ROUTER], [
    { name: 'v1', domains: ['one'], typed_per_filter_config: { fault: abort(501) }, routes: [
      route('vh-level'),
      route('route-level', { typed_per_filter_config: { fault: abort(502) } }),
      route('wrapped', { typed_per_filter_config: { fault: wrap({ config: abort(503) }) } }),
      route('off', { typed_per_filter_config: { fault: wrap({ disabled: true }) } }),
    ] },
    { name: 'v2', domains: ['*'], routes: [route('listener-level')] },
  ]);
  assert.deepEqual(verdicts(b), { 'vh-level': [501], 'route-level': [502], wrapped: [503], off: [], 'listener-level': [500] });
  assert.deepEqual(b.chains!.filtersOf(null).map((f) => (f.onRequest(head(), ...NO_CONTEXT) as FilterReply).status), [500], 'no route: the listener config');
});

test('the route table\'s typed_per_filter_config sits between the virtual host\'s and the listener\'s', () => {
  const b = build([{ name: 'fault', typed_config: abort(500) }, ROUTER], [
    { name: 'v1', domains: ['one'], typed_per_filter_config: { fault: abort(501) }, routes: [route('vh-level')] },
    { name: 'v2', domains: ['*'], routes: [route('table-level'), route('route-level', { typed_per_filter_config: { fault: abort(502) } })] },
  ], { typed_per_filter_config: { fault: abort(505) } });
  assert.deepEqual(verdicts(b), { 'vh-level': [501], 'table-level': [505], 'route-level': [502] });
  assert.deepEqual(b.chains!.filtersOf(null).map((f) => (f.onRequest(head(), ...NO_CONTEXT) as FilterReply).status), [500]);
});

test('a filter disabled by default runs only where a route or virtual host turns it on', () => {
  const b = build([{ name: 'fault', disabled: true, typed_config: abort(500) }, ROUTER], [
    { name: 'v', domains: ['*'], routes: [
      route('default'),
      route('enabled', { typed_per_filter_config: { fault: wrap({ disabled: false }) } }),
      route('own', { typed_per_filter_config: { fault: abort(504) } }),
    ] },
  ]);
  assert.deepEqual(verdicts(b), { default: [], enabled: [500], own: [504] });
  assert.deepEqual(b.chains!.filtersOf(null), []);
});

test('filters run in http_filters order, and each rate-limit config is one bucket', () => {
  const b = build([{ name: 'rl', typed_config: rl(1) }, { name: 'fault', typed_config: abort(500) }, ROUTER], [
    { name: 'v', domains: ['*'], typed_per_filter_config: { rl: rl(1) }, routes: [
      route('shared-1'), route('shared-2'),
      route('own', { typed_per_filter_config: { rl: rl(1) } }),
    ] },
  ]);
  const byName = new Map(b.routes.virtualHosts[0].routes.map((r) => [r.name, b.chains!.filtersOf(r)]));
  const first = (name: string) => (byName.get(name)![0].onRequest(head(), ...NO_CONTEXT) as FilterReply | null)?.status ?? 0;
  assert.equal(byName.get('own')!.length, 2);
  assert.deepEqual([first('shared-1'), first('shared-2'), first('own'), first('own')], [0, 429, 0, 429]);
  // The rate limit passes first; then the fault answers.
  assert.equal((byName.get('shared-1')![1].onRequest(head(), ...NO_CONTEXT) as FilterReply).status, 500);
  assert.match(b.metrics.render(), /weft_local_ratelimited_total\{enforced="true",listener="main",route="shared-2"\} 1/);
});

test('a rebuild keeps the buckets and active-fault count of unchanged configs; a changed config starts afresh', () => {
  const hosts = (routeMax: number) => [
    { name: 'v', domains: ['*'], typed_per_filter_config: { rl: rl(1) }, routes: [
      route('vh'), route('own', { typed_per_filter_config: { rl: rl(routeMax) } }),
    ] },
    { name: 'w', domains: ['w'], routes: [route('listener')] },
  ];
  const filters = [{ name: 'rl', typed_config: rl(1) }, { name: 'fault', typed_config: abort(500) }, ROUTER];
  const statuses = (b: ReturnType<typeof build>) => Object.fromEntries(b.routes.virtualHosts.flatMap((vh) => vh.routes).map((r) => [
    r.name, (b.chains!.filtersOf(r)[0].onRequest(head(), ...NO_CONTEXT) as FilterReply | null)?.status ?? 0,
  ]));
  const first = build(filters, hosts(1));
  assert.deepEqual(statuses(first), { vh: 0, own: 0, listener: 0 });
  // Same configs (an EDS update, say): every bucket is still empty.
  const second = build(filters, hosts(1), {}, first.chains);
  assert.deepEqual(statuses(second), { vh: 429, own: 429, listener: 429 });
  const activeOf = (b: ReturnType<typeof build>) => [...b.chains!.carried].find(([k]) => k.startsWith('main|fault|active|'))?.[1];
  assert.ok(activeOf(first) !== undefined);
  assert.equal(activeOf(second), activeOf(first), 'the count of faults in progress is the same object');
  // The route's own config changed: only its bucket is new.
  const third = build(filters, hosts(2), {}, second.chains);
  assert.deepEqual(statuses(third), { vh: 429, own: 0, listener: 429 });
  // Without a previous build everything starts full.
  assert.deepEqual(statuses(build(filters, hosts(1))), { vh: 0, own: 0, listener: 0 });
});
