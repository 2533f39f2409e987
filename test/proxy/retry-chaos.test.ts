// RELIABILITY.md C6 and C1 in bounded form, on loopback, with the default retry budget (20 % of
// active requests, at least 10 at once) and back-off: retries must not multiply an outage, and
// must hide upstreams that crash and come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { ok, startScriptedUpstream, status, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { getLoad, quantile, retryCounts, withCrashes } from '../helpers/chaos.ts';

let ups: ScriptedUpstream[];
let proxy: RunningProxy;
let port: number;

/**
 * What a mesh user adds so a crashed host stops taking picks: connect failures counted apart
 * (Envoy's split), 5 in a row eject, for about the time a restart takes; one host of three at most.
 */
const MESH_OUTLIER = {
  split_external_local_origin_errors: true, consecutive_local_origin_failure: 5, consecutive_gateway_failure: 5, enforcing_consecutive_gateway_failure: 100,
  interval: '0.5s', base_ejection_time: '0.5s', max_ejection_percent: 34,
};
const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

before(async () => {
  ups = await Promise.all(['u1', 'u2', 'u3'].map((n) => startScriptedUpstream(n)));
  // Two routes to the same three hosts, both with Weft's default budget and back-off (the budget
  // counts a retry from its decision to its end, back-off included). /c1's cluster adds outlier
  // detection, so a crashed host is ejected after 5 refused connects instead of keeping its
  // third of the picks until it is back (see docs/retries.md).
  const policy = { retry_on: '5xx,reset,connect-failure', num_retries: 2, retry_host_predicate: PREVIOUS_HOSTS };
  proxy = await startProxy(simple([
    { match: { prefix: '/c6' }, route: { cluster: 'svc', retry_policy: policy } },
    { match: { prefix: '/c1' }, route: { cluster: 'crashy', retry_policy: policy } },
  ], [
    staticCluster('svc', ups.map((u) => u.port)),
    staticCluster('crashy', ups.map((u) => u.port), { outlier_detection: MESH_OUTLIER }),
  ], { access_log: [] }));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await Promise.all(ups.map((u) => u.close()));
});

const load = (path: string, concurrency: number, ms: number) => getLoad(port, path, concurrency, ms);
const upstreamRequests = (): number => ups.reduce((n, u) => n + u.requests.length, 0);
const retryCount = (cluster: string) => retryCounts(proxy, cluster);

test('C6: every upstream answers 503 for 3 s under steady load: upstream requests ≤ 1.2 × client requests + 10, failures fast, recovery at once', async () => {
  for (const u of ups) {
    u.forget();
    u.standing = status(503);
  }
  const outage = await load('/c6', 16, 3000);
  const upstream = upstreamRequests();
  const p50 = quantile(outage.latencies, 0.5);
  const p99 = quantile(outage.latencies, 0.99);
  const figures = `client ${outage.total}, upstream ${upstream} (${(upstream / outage.total).toFixed(3)} ×), p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`;
  process.stdout.write(`# C6 ${figures}\n`);
  assert.deepEqual(outage.errors, []);
  assert.deepEqual([...outage.statuses.keys()], [503], 'the upstream 503 is passed on');
  assert.ok(outage.total > 200, `enough load to mean something (${figures})`);
  assert.ok(upstream <= 1.2 * outage.total + 10, `retries multiplied the outage: ${figures}`);
  // Most failures are answered at once; the retried few wait their back-off (≤ 25 ms, then ≤ 75 ms).
  assert.ok(p50 < 25, `failures are fast: ${figures}`);
  assert.ok(p99 < 250, `even retried failures are bounded by the back-off: ${figures}`);
  for (const u of ups) u.standing = ok;
  const started = performance.now();
  const after = await load('/c6', 4, 300);
  assert.deepEqual([...after.statuses.keys()], [200], 'recovered on the first request');
  assert.ok(performance.now() - started < 1000);
});

test('C1 with the default budget and back-off: an upstream is killed abruptly every 1.2 s and restarted 0.5 s later under steady GET load: 0 failed requests, retry ratio ≤ 20 %, p99 ≤ 3 × baseline', async () => {
  for (const u of ups) u.forget();
  // The baseline is measured on both sides of the chaos (1 s each, all hosts up), so a change in
  // the shared machine's load during the run moves both figures alike.
  const calmBefore = await load('/c1', 8, 1000);
  const retriesBefore = await retryCount('crashy');
  const { result, kills } = await withCrashes(ups, () => load('/c1', 8, 6000));
  const counts = await retryCount('crashy');
  await new Promise((r) => setTimeout(r, 600)); // the last victim's ejection is over
  const calmAfter = await load('/c1', 8, 1000);
  const baseline = { total: calmBefore.total + calmAfter.total, latencies: [...calmBefore.latencies, ...calmAfter.latencies] };
  const base99 = quantile(baseline.latencies, 0.99);
  const retries = counts.retries - retriesBefore.retries;
  const overflows = counts.overflows - retriesBefore.overflows;
  const ratio = retries / result.total;
  const p99 = quantile(result.latencies, 0.99);
  const figures = `baseline ${baseline.total} p50 ${quantile(baseline.latencies, 0.5).toFixed(1)} ms p99 ${base99.toFixed(1)} ms; chaos: client ${result.total}, kills ${kills}, retries ${retries} (${(100 * ratio).toFixed(1)} %), overflows ${overflows}, p50 ${quantile(result.latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${(p99 / base99).toFixed(2)} × baseline)`;
  process.stdout.write(`# C1 ${figures}\n`);
  assert.ok(kills >= 3, `the chaos ran (${figures})`);
  assert.deepEqual(result.errors, [], figures);
  assert.deepEqual([...result.statuses.entries()], [[200, result.latencies.length]], `0 failed requests: ${figures}`);
  assert.ok(retries > 0, `the kills were felt and retried: ${figures}`);
  assert.ok(ratio <= 0.2, `retry ratio: ${figures}`);
  assert.ok(p99 <= 3 * base99, `p99 ≤ 3 × baseline: ${figures}`);
  // Each decision is visible: ejections and retries on /stats/prometheus, the budget on /clusters.
  const prom = await (await proxy.admin('/stats/prometheus')).text();
  const ejections = Number(/^weft_proxy_outlier_ejections_total\{cluster="crashy",reason="consecutive_local_origin_failure"\} (\d+)$/m.exec(prom)?.[1] ?? 0);
  assert.ok(ejections >= 1, `the crashed hosts were ejected (${ejections}): ${figures}`);
  assert.match(prom, /^weft_proxy_retries_allowed\{cluster="crashy"\} 10$/m);
  assert.match(prom, /^weft_proxy_retries_active\{cluster="crashy"\} \d+$/m);
  const clusters = await (await proxy.admin('/clusters')).text();
  assert.match(clusters, /^crashy::default_priority::retry_budget::min_retry_concurrency::10$/m);
  assert.ok(Number(/^crashy::upstream_rq_retry::(\d+)$/m.exec(clusters)?.[1]) >= counts.retries, clusters);
});
