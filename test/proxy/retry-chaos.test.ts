// RELIABILITY.md C6 and C1 in bounded form, on loopback, with the default retry budget (20 % of
// active requests, at least 3 at once): retries must not multiply an outage, and must hide
// upstreams that crash and come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { ok, startScriptedUpstream, status, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';

let ups: ScriptedUpstream[];
let proxy: RunningProxy;
let port: number;

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

before(async () => {
  ups = await Promise.all(['u1', 'u2', 'u3'].map((n) => startScriptedUpstream(n)));
  // Two routes to the same three hosts. Envoy's budget counts a retry from its decision to its
  // end, back-off included, against max(3, 20 % of active requests): /c6 keeps Envoy's default
  // back-off; /c1 fails over fast (a crashed host refuses at once, another is a pick away) and
  // raises the budget's floor, because without outlier detection a dead host keeps its third of
  // the picks until it is back (see docs/retries.md).
  const policy = { retry_on: '5xx,reset,connect-failure', num_retries: 2, retry_host_predicate: PREVIOUS_HOSTS };
  proxy = await startProxy(simple([
    { match: { prefix: '/c6' }, route: { cluster: 'svc', retry_policy: policy } },
    { match: { prefix: '/c1' }, route: { cluster: 'crashy', retry_policy: { ...policy, retry_back_off: { base_interval: '0.002s' } } } },
  ], [
    staticCluster('svc', ups.map((u) => u.port)),
    staticCluster('crashy', ups.map((u) => u.port), { circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 10 } }] } }),
  ], { access_log: [] }));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await Promise.all(ups.map((u) => u.close()));
});

interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly latencies: number[];
  readonly errors: string[];
  readonly total: number;
}

/** `concurrency` clients on keep-alive connections, each sending GETs back to back for `ms`. */
async function load(path: string, concurrency: number, ms: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const errors: string[] = [];
  const end = performance.now() + ms;
  const one = (): Promise<void> => new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - started);
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        resolve();
      });
    });
    req.on('error', (e) => { errors.push(e.message); resolve(); });
  });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) await one();
  }));
  agent.destroy();
  return { statuses, latencies, errors, total: latencies.length + errors.length };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const upstreamRequests = (): number => ups.reduce((n, u) => n + u.requests.length, 0);
async function retryCount(cluster: string): Promise<{ retries: number; overflows: number }> {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  let retries = 0;
  for (const m of text.matchAll(new RegExp(`^weft_retries_total\\{cluster="${cluster}",[^}]*\\} (\\d+)$`, 'gm'))) retries += Number(m[1]);
  const overflows = Number(new RegExp(`^weft_retry_overflow_total\\{cluster="${cluster}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { retries, overflows };
}

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

/** Runs `body` while one upstream after another is killed every 1.2 s and restarted 0.5 s later. */
async function withCrashes<T>(body: () => Promise<T>): Promise<{ result: T; kills: number }> {
  let stop = false;
  let kills = 0;
  const chaos = (async () => {
    for (let i = 0; !stop; i++) {
      await new Promise((r) => setTimeout(r, 700));
      if (stop) break;
      const victim = ups[i % ups.length];
      await victim.kill();
      kills++;
      await new Promise((r) => setTimeout(r, 500));
      await victim.restart();
    }
  })();
  const result = await body();
  stop = true;
  await chaos;
  return { result, kills };
}

test('C1: an upstream is killed abruptly every 1.2 s and restarted 0.5 s later under steady GET load: 0 failed requests, retry ratio ≤ 20 %', async () => {
  for (const u of ups) u.forget();
  const retriesBefore = await retryCount('crashy');
  const { result, kills } = await withCrashes(() => load('/c1', 8, 6000));
  const counts = await retryCount('crashy');
  const retries = counts.retries - retriesBefore.retries;
  const overflows = counts.overflows - retriesBefore.overflows;
  const ratio = retries / result.total;
  const figures = `client ${result.total}, kills ${kills}, retries ${retries} (${(100 * ratio).toFixed(1)} %), overflows ${overflows}, p50 ${quantile(result.latencies, 0.5).toFixed(1)} ms, p99 ${quantile(result.latencies, 0.99).toFixed(1)} ms`;
  process.stdout.write(`# C1 ${figures}\n`);
  assert.ok(kills >= 3, `the chaos ran (${figures})`);
  assert.deepEqual(result.errors, [], figures);
  assert.deepEqual([...result.statuses.entries()], [[200, result.latencies.length]], `0 failed requests: ${figures}`);
  assert.ok(retries > 0, `the kills were felt and retried: ${figures}`);
  assert.ok(ratio <= 0.2, `retry ratio: ${figures}`);
});

