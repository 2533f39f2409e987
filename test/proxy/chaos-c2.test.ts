// RELIABILITY.md C2 in bounded form, on loopback: POSTs on HTTP/1.1 keep-alive connections while
// one upstream after another is killed abruptly and restarted. Every request gets an answer (a
// keep-alive connection once hung after a 503/UC, see docs/retries.md), no POST is executed
// twice, and a POST is retried only when its bytes never left the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { withCrashes, retryCounts } from '../helpers/chaos.ts';

let ups: ScriptedUpstream[];
/** What a mesh user configures so a crashed host stops taking picks (as in retry-chaos.test.ts): 5 refused connects in a row eject it. */
const MESH_OUTLIER = {
  split_external_local_origin_errors: true, consecutive_local_origin_failure: 5, interval: '0.5s', base_ejection_time: '0.5s', max_ejection_percent: 34,
};
let proxy: RunningProxy;

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

before(async () => {
  ups = await Promise.all(['u1', 'u2', 'u3'].map((n) => startScriptedUpstream(n)));
  const ports = ups.map((u) => u.port);
  proxy = await startProxy(simple([
    { match: { prefix: '/plain' }, route: { cluster: 'plain' } },
    { match: { prefix: '/keyed' }, route: { cluster: 'keyed', retry_policy: { retry_on: 'reset,connect-failure,5xx', num_retries: 2, retry_host_predicate: PREVIOUS_HOSTS } } },
  ], [staticCluster('plain', ports), staticCluster('keyed', ports, { outlier_detection: MESH_OUTLIER })], { access_log: [] }));
});

after(async () => {
  await proxy?.stop();
  await Promise.all(ups.map((u) => u.close()));
});

interface PostResult {
  /** `status x-weft-error` (or a client error's message) → count. */
  readonly outcomes: Map<string, number>;
  /** Requests with no answer within 3 s. */
  readonly hung: number;
  readonly total: number;
}

/** `concurrency` keep-alive clients POSTing back to back for `ms`, each POST with its own idempotency-key. */
async function postLoad(path: string, concurrency: number, ms: number): Promise<PostResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const outcomes = new Map<string, number>();
  const count = (k: string): void => { outcomes.set(k, (outcomes.get(k) ?? 0) + 1); };
  let hung = 0;
  let total = 0;
  let seq = 0;
  const end = performance.now() + ms;
  const one = (): Promise<void> => new Promise((resolve) => {
    total++;
    let settled = false;
    const settle = (outcome: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome === null) hung++;
      else count(outcome);
      resolve();
    };
    const key = `k${++seq}`;
    const req = http.request({ host: '127.0.0.1', port: proxy.ports.main, path, method: 'POST', agent, headers: { 'idempotency-key': key, 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => settle(`${res.statusCode} ${res.headers['x-weft-error'] ?? ''}`.trim()));
    });
    const timer = setTimeout(() => { settle(null); req.destroy(); }, 3000);
    req.on('error', (e) => settle(e.message));
    req.end(`order ${key}`);
  });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) await one();
  }));
  agent.destroy();
  return { outcomes, hung, total };
}

/** Executions per idempotency key across the three upstreams. */
function executions(): Map<string, number> {
  const seen = new Map<string, number>();
  for (const u of ups) for (const r of u.requests) {
    const key = String(r.headers['idempotency-key']);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return seen;
}

const show = (r: PostResult): string => `${r.total} POSTs, ${r.hung} hung, ${JSON.stringify([...r.outcomes])}`;

test('POSTs on keep-alive connections with no retry_policy while upstreams crash: every request is answered, none hangs', async () => {
  // A kill every 0.5 s (down 0.25 s): the race that once hung a connection (a request handed a
  // pooled connection its upstream had just closed) comes up often enough to be caught: before the
  // fix 1–3 requests hung per run; with only the pool's half of the fix, 2 runs of 3 still failed.
  for (const u of ups) u.forget();
  const { result, kills } = await withCrashes(ups, () => postLoad('/plain', 8, 3500), 500, 250);
  process.stdout.write(`# C2 (no retry policy) kills ${kills}: ${show(result)}\n`);
  assert.ok(kills >= 2, 'the chaos ran');
  assert.equal(result.hung, 0, `requests hung: ${show(result)}`);
  // Without retries a POST to a dead host fails, fast and said so: refused (UF) or cut (UC).
  for (const k of result.outcomes.keys()) assert.match(k, /^(200|503 upstream-connect-failure|503 upstream-reset)$/, show(result));
  const dup = [...executions()].filter(([, n]) => n > 1);
  assert.deepEqual(dup, []);
});

test('C2: POSTs with an idempotency key while upstreams crash: 0 duplicate executions, retried only when their bytes never left the proxy', async () => {
  for (const u of ups) u.forget();
  const before = await retryCounts(proxy, 'keyed');
  const { result, kills } = await withCrashes(ups, () => postLoad('/keyed', 8, 3500));
  const after = await retryCounts(proxy, 'keyed');
  const byReason = Object.fromEntries([...after.byReason].map(([r, n]) => [r, n - (before.byReason.get(r) ?? 0)]));
  const seen = executions();
  const dup = [...seen].filter(([, n]) => n > 1);
  const ok = result.outcomes.get('200') ?? 0;
  const failed = result.total - ok;
  process.stdout.write(`# C2 kills ${kills}: ${show(result)}, overflows ${after.overflows - before.overflows}, retries ${JSON.stringify(byReason)}, executed ${seen.size}, failed ${failed} (${(100 * failed / result.total).toFixed(2)} %)\n`);
  assert.ok(kills >= 2, 'the chaos ran');
  assert.equal(result.hung, 0, show(result));
  assert.deepEqual(dup, [], 'a POST was executed twice');
  // Every retry was of a try refused at connect: a crash that cut a POST in flight is not retried.
  assert.deepEqual(Object.keys(byReason).filter((r) => byReason[r] > 0), ['connect-failure'], JSON.stringify(byReason));
  assert.ok(byReason['connect-failure'] > 0, 'the kills were felt and retried');
  // What fails is only what reached a host as it died (503 upstream-reset), never a refused connect.
  for (const k of result.outcomes.keys()) assert.match(k, /^(200|503 upstream-reset)$/, show(result));
  // Each 200 was executed exactly once; the 503s are at most once (cut before or after the upstream read them).
  assert.ok(seen.size >= ok, show(result));
});
