// RELIABILITY.md C5 in bounded form, on loopback: one upstream of three answers 500 ms late.
// (a) a per-try timeout of 200 ms and 1 retry to another host (10 ms back-off), with a balancer that keeps
// sending the slow host its third (round robin): the retry hides it; (b) Weft's default
// balancer (peak-EWMA, power of two choices) alone, no retry: it stops picking the slow host.
// Both: 100 % success, p99 ≤ 300 ms, over a few seconds at a modest rate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { delay, startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getLoad, quantile, retryCounts, type LoadResult } from '../helpers/chaos.ts';

let ups: ScriptedUpstream[];
let proxy: RunningProxy;

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

before(async () => {
  ups = await Promise.all(['fast1', 'slow', 'fast2'].map((n) => startScriptedUpstream(n)));
  ups[1].standing = delay(500);
  const ports = ups.map((u) => u.port);
  proxy = await startProxy(simple([
    { match: { prefix: '/retry' }, route: { cluster: 'rr', retry_policy: {
      retry_on: '5xx', num_retries: 1, per_try_timeout: '0.2s', retry_host_predicate: PREVIOUS_HOSTS,
      // A retried request costs 200 ms + its back-off + the answer: with Envoy's 25 ms base the
      // budget to 300 ms is 75 ms, too close on a loaded 2-core CI machine (p99 299 ms measured there).
      retry_back_off: { base_interval: '0.01s' },
    } } },
    { match: { prefix: '/ewma' }, route: { cluster: 'default' } },
  ], [staticCluster('rr', ports, { lb_policy: 'ROUND_ROBIN' }), staticCluster('default', ports)], { access_log: [] }));
});

after(async () => {
  await proxy?.stop();
  await Promise.all(ups.map((u) => u.close()));
});

const RUN_MS = 4000;
const CONCURRENCY = 6;

/**
 * The load, and how late this process's own event loop ran meanwhile (p99, ms): on a shared
 * machine a client-side stall adds to every latency measured here, so it is reported and allowed
 * on top of the 300 ms — the proxy's own share must fit the figure.
 */
async function measured(path: string): Promise<{ r: LoadResult; lag: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const r = await getLoad(proxy.ports.main, path, CONCURRENCY, RUN_MS);
  delay.disable();
  return { r, lag: Math.max(0, delay.percentile(99) / 1e6 - 10) };
}

test('C5 (a): per-try timeout 200 ms and 1 retry on another host hide a host 500 ms late: 100 % success, p99 ≤ 300 ms', async () => {
  const before = await retryCounts(proxy, 'rr');
  const slowBefore = ups[1].requests.length;
  const { r, lag } = await measured('/retry');
  const retries = (await retryCounts(proxy, 'rr')).byReason.get('per-try-timeout')! - (before.byReason.get('per-try-timeout') ?? 0);
  const p99 = quantile(r.latencies, 0.99);
  const figures = `${r.total} requests, slow host tried ${ups[1].requests.length - slowBefore}, retries ${retries}, p50 ${quantile(r.latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...r.latencies).toFixed(1)} ms, client loop lag p99 ${lag.toFixed(1)} ms`;
  process.stdout.write(`# C5a ${figures}\n`);
  assert.deepEqual(r.errors, [], figures);
  assert.deepEqual([...r.statuses.keys()], [200], `100 % success: ${figures}`);
  assert.ok(retries > 0 && retries >= (ups[1].requests.length - slowBefore) - CONCURRENCY, `every try on the slow host was retried: ${figures}`);
  assert.ok(p99 <= 300 + lag, figures);
});

test('C5 (b): the default peak-EWMA balancer alone steers off a host 500 ms late: 100 % success, p99 ≤ 300 ms', async () => {
  const slowBefore = ups[1].requests.length;
  const { r, lag } = await measured('/ewma');
  const slow = ups[1].requests.length - slowBefore;
  const p99 = quantile(r.latencies, 0.99);
  const figures = `${r.total} requests, slow host picked ${slow} (${(100 * slow / r.total).toFixed(2)} %), p50 ${quantile(r.latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, client loop lag p99 ${lag.toFixed(1)} ms`;
  process.stdout.write(`# C5b ${figures}\n`);
  assert.deepEqual(r.errors, [], figures);
  assert.deepEqual([...r.statuses.keys()], [200], `100 % success: ${figures}`);
  assert.ok(r.total >= 500, `enough requests for a p99: ${figures}`);
  assert.ok(p99 <= 300 + lag, figures);
  const clusters = await (await proxy.admin('/clusters')).text();
  const slowEwma = Number(new RegExp(`default::127\\.0\\.0\\.1:${ups[1].port}::ewma_ms::([\\d.]+)`).exec(clusters)?.[1]);
  assert.ok(slowEwma > 300, `/clusters shows the slow host's latency estimate: ${slowEwma}`);
});
