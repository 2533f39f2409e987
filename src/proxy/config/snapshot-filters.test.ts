// Rebuilding a snapshot (any xDS update) hands each listener's HTTP filter state on to the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bootstrap, decode, Issues, TYPE_URLS } from '../../xds/envoy/index.ts';
import type { FilterReply } from '../http/filters/types.ts';
import { ProxyMetrics } from '../observe/metrics.ts';
import type { ProxySnapshot } from '../proxy.ts';
import { buildSnapshot, staticResources } from './snapshot.ts';

const ALL = { numerator: 100 };

function bootstrap(maxTokens: number, extraListener: boolean): Bootstrap {
  const listener = (name: string, port: number) => ({
    name, address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
      '@type': TYPE_URLS.httpConnectionManager, stat_prefix: 'in',
      http_filters: [
        { name: 'rl', typed_config: {
          '@type': TYPE_URLS.localRateLimit, stat_prefix: 'rl', token_bucket: { max_tokens: maxTokens, fill_interval: '60s' },
          filter_enabled: { default_value: ALL }, filter_enforced: { default_value: ALL },
        } },
        { name: 'router', typed_config: { '@type': TYPE_URLS.router } },
      ],
      route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'all', match: { prefix: '/' }, direct_response: { status: 200 } }] }] },
    } }] }],
  });
  const issues = new Issues();
  const b = decode(Bootstrap, { static_resources: { listeners: [listener('main', 1), ...(extraListener ? [listener('other', 2)] : [])] } }, [], issues) as Bootstrap;
  assert.deepEqual(issues.list, []);
  return b;
}

/** The status the rate-limit filter of listener `name` answers (0: it lets the request through). */
function verdict(s: ProxySnapshot, name: string): number {
  const serve = s.listeners.find((l) => l.name === name)!.chains[0].serve;
  assert.equal(serve.kind, 'http');
  const hcm = serve.hcm;
  const route = hcm.routes.virtualHosts[0].routes[0];
  const reply = hcm.filters!.filtersOf(route)[0].onRequest(
    { method: 'GET', path: '/', authority: 'a', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false },
    null as never, null as never,
  ) as FilterReply | null;
  return reply?.status ?? 0;
}

test('an update that leaves a listener\'s rate limit alone does not refill its bucket; changing it does', () => {
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  const build = (b: Bootstrap, previous?: ProxySnapshot) => buildSnapshot(staticResources(b), metrics, { configDump: {}, ...(previous ? { previous } : {}) });
  const first = build(bootstrap(1, false));
  assert.equal(verdict(first, 'main'), 0);
  // Another listener appears: 'main' keeps its (empty) bucket, the new one starts full.
  const second = build(bootstrap(1, true), first);
  assert.equal(verdict(second, 'main'), 429);
  assert.equal(verdict(second, 'other'), 0);
  const third = build(bootstrap(2, true), second);
  assert.equal(verdict(third, 'main'), 0, 'a new max_tokens is a new bucket');
  for (const s of [first, second, third]) s.secrets.close();
});
