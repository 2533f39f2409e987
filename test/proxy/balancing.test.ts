// Load balancing through a real `weft proxy` and real upstream servers: every lb_policy spelling,
// hash_policy stickiness, and peak-EWMA steering away from a slow endpoint (RELIABILITY.md C5's
// EWMA variant: one upstream +500 ms, the others fast).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

const LB = 'type.googleapis.com/envoy.extensions.load_balancing_policies';
const typed = (config: Record<string, unknown>) => ({ load_balancing_policy: { policies: [{ typed_extension_config: { name: 'lb', typed_config: config } }] } });
const PEAK_EWMA = typed({
  '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
  type_url: 'type.googleapis.com/weft.balance.v1.PeakEwma',
  value: { decay_time: '10s', default_rtt: '0.030s' },
});

let upstreams: EchoServer[];
let proxy: RunningProxy;
let port: number;

const CLUSTERS: [string, Record<string, unknown>][] = [
  ['rr', { lb_policy: 'ROUND_ROBIN' }],
  ['lr', { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 2 } }],
  ['random', { lb_policy: 'RANDOM' }],
  ['ring', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 1024 } }],
  ['default', {}],
  ['typed-rr', typed({ '@type': `${LB}.round_robin.v3.RoundRobin` })],
  ['typed-lr', typed({ '@type': `${LB}.least_request.v3.LeastRequest`, choice_count: 3 })],
  ['typed-random', typed({ '@type': `${LB}.random.v3.Random` })],
  ['typed-ring', typed({ '@type': `${LB}.ring_hash.v3.RingHash`, minimum_ring_size: 512 })],
  ['typed-ewma', PEAK_EWMA],
];

before(async () => {
  upstreams = await Promise.all(['a', 'b', 'c'].map((n) => startEchoServer(n)));
  const ports = upstreams.map((u) => u.port);
  const hashed = [
    { header: { header_name: 'x-user' }, terminal: true },
    { cookie: { name: 'session' }, terminal: true },
    { query_parameter: { name: 'user' } },
  ];
  proxy = await startProxy(simple(
    CLUSTERS.map(([name]) => ({
      match: { prefix: `/${name}/` },
      route: { cluster: name, ...(name.includes('ring') ? { hash_policy: hashed } : {}) },
    })),
    CLUSTERS.map(([name, lb]) => staticCluster(name, ports, lb)),
  ));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await Promise.all((upstreams ?? []).map((u) => u.close()));
});

async function servers(path: string, n: number, headers: (i: number) => Record<string, string> = () => ({})): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await request(port, path.replace('{i}', String(i)), { headers: headers(i) });
    assert.equal(res.status, 200, res.body);
    const server = res.json<{ server: string }>().server;
    counts[server] = (counts[server] ?? 0) + 1;
  }
  return counts;
}

test('every lb_policy, legacy and typed, serves from all three endpoints', async () => {
  for (const [name] of CLUSTERS) {
    const counts = await servers(`/${name}/?user={i}`, 60);
    assert.deepEqual(Object.keys(counts).sort(), ['a', 'b', 'c'], `${name}: ${JSON.stringify(counts)}`);
    if (name === 'rr' || name === 'typed-rr') assert.deepEqual(counts, { a: 20, b: 20, c: 20 }, `${name} rotates exactly`);
  }
});

test('/clusters names each cluster’s balancer and shows rq_active and ewma_ms per endpoint', async () => {
  const text = await (await proxy.admin('/clusters')).text();
  for (const [name, policy] of [['rr', 'ROUND_ROBIN'], ['lr', 'LEAST_REQUEST'], ['random', 'RANDOM'], ['ring', 'RING_HASH'], ['default', 'PEAK_EWMA'], ['typed-ewma', 'PEAK_EWMA']]) {
    assert.match(text, new RegExp(`^${name}::lb_policy::${policy}$`, 'm'));
  }
  for (const u of upstreams) {
    assert.match(text, new RegExp(`^default::127\\.0\\.0\\.1:${u.port}::rq_active::0$`, 'm'));
    assert.match(text, new RegExp(`^default::127\\.0\\.0\\.1:${u.port}::ewma_ms::\\d+\\.\\d{3}$`, 'm'));
  }
});

test('ring hash with hash_policy: a header, a cookie or a query parameter keeps a client on one endpoint', async () => {
  for (const cluster of ['ring', 'typed-ring']) {
    const spread = new Set<string>();
    for (let user = 0; user < 12; user++) {
      const counts = await servers(`/${cluster}/`, 8, () => ({ 'x-user': `user-${user}` }));
      assert.equal(Object.keys(counts).length, 1, `${cluster} x-user user-${user}: ${JSON.stringify(counts)}`);
      spread.add(Object.keys(counts)[0]);
    }
    assert.ok(spread.size >= 2, `different users reach different endpoints (${[...spread]})`);
    assert.equal(Object.keys(await servers(`/${cluster}/`, 8, () => ({ cookie: 'theme=dark; session=abc123' }))).length, 1);
    assert.equal(Object.keys(await servers(`/${cluster}/?user=carol&i={i}`, 8)).length, 1, 'query parameter');
    // x-user is terminal: with it present the cookie no longer matters.
    const byHeader = await servers(`/${cluster}/`, 6, (i) => ({ 'x-user': 'dave', cookie: `session=s${i}` }));
    assert.equal(Object.keys(byHeader).length, 1, JSON.stringify(byHeader));
  }
});

/** An upstream that answers every request after `delayMs` (changeable while it runs). */
async function slowServer(delayMs: number): Promise<{ port: number; hits: () => number; setDelay: (ms: number) => void; close: () => Promise<void> }> {
  let hits = 0;
  let delay = delayMs;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    const answer = () => res.end(JSON.stringify({ server: 'slow' }));
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    setDelay: (ms) => { delay = ms; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('peak-EWMA steers away from an endpoint 500 ms slower than the others (C5, EWMA variant)', async (t) => {
  const slow = await slowServer(500);
  const fast = upstreams.slice(0, 2).map((u) => u.port);
  const ewma = await startProxy(simple(
    [{ match: { prefix: '/' }, route: { cluster: 'svc' } }],
    [staticCluster('svc', [fast[0], slow.port, fast[1]], PEAK_EWMA)],
  ));
  const started = Date.now();
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    // Warm-up: the first second, which holds the slow endpoint's first answers (at 500 ms). Until then
    // only requests in flight steer; afterwards its latency estimate does.
    const WARM_UP_MS = 1000;
    const RUN_MS = 3000;
    const CONCURRENCY = 4;
    const results: { server: string; ms: number; at: number }[] = [];
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() - started < RUN_MS) {
        const at = Date.now() - started;
        const t0 = performance.now();
        const res = await request(ewma.ports.main, '/', { agent });
        assert.equal(res.status, 200);
        results.push({ server: res.json<{ server: string }>().server, ms: performance.now() - t0, at });
      }
    }));
    agent.destroy();
    const measured = results.filter((r) => r.at >= WARM_UP_MS);
    const avoided = measured.filter((r) => r.server !== 'slow').length / measured.length;
    const latencies = measured.map((r) => r.ms).sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    t.diagnostic(`${measured.length} requests after a ${WARM_UP_MS} ms warm-up: ${(avoided * 100).toFixed(2)} % avoided the slow endpoint; p99 ${p99.toFixed(1)} ms; the slow endpoint saw ${slow.hits()} of ${results.length} requests`);
    assert.ok(measured.length >= 200, `enough requests measured (${measured.length})`);
    assert.ok(avoided >= 0.95, `${(avoided * 100).toFixed(1)} % avoided the slow endpoint`);
    const text = await (await ewma.admin('/clusters')).text();
    const slowEwma = Number(new RegExp(`svc::127\\.0\\.0\\.1:${slow.port}::ewma_ms::([\\d.]+)`).exec(text)?.[1]);
    // Only the slow endpoint's figure is certain: on a busy machine one stalled fast answer is a peak too.
    assert.ok(slowEwma > 300, `/clusters ewma_ms of the slow endpoint: ${slowEwma}`);
    t.diagnostic(text.split('\n').filter((l) => l.includes('ewma_ms')).join('; '));
    assert.ok(Date.now() - started < 15_000, 'bounded');
  } finally {
    await ewma.stop();
    await slow.close();
  }
});

test('peak-EWMA tries an avoided endpoint again as its estimate decays (decay_time 0.2 s), and keeps it once it is fast', async (t) => {
  const slow = await slowServer(300);
  const fast = upstreams[0].port;
  const quick = await startProxy(simple(
    [{ match: { prefix: '/' }, route: { cluster: 'svc' } }],
    [staticCluster('svc', [fast, slow.port], typed({
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/weft.balance.v1.PeakEwma',
      value: { decay_time: '0.2s', default_rtt: '0.001s' },
    }))],
  ));
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const run = async (ms: number): Promise<number> => {
      const until = Date.now() + ms;
      let toSlow = 0;
      let total = 0;
      while (Date.now() < until) {
        const res = await request(quick.ports.main, '/', { agent });
        total++;
        if (res.json<{ server: string }>().server === 'slow') toSlow++;
      }
      return toSlow / total;
    };
    await run(600); // the slow endpoint answers once or twice and is then avoided
    const whileSlow = await run(1000);
    slow.setDelay(0);
    await run(2500); // ~τ·ln(300 ms / 1 ms) ≈ 1.2 s until its estimate falls to the fast one's and it is tried again
    const afterRecovery = await run(1000);
    agent.destroy();
    t.diagnostic(`share of the slow endpoint: ${(whileSlow * 100).toFixed(1)} % while slow, ${(afterRecovery * 100).toFixed(1)} % once fast again`);
    assert.ok(whileSlow < 0.05, `avoided while slow: ${whileSlow}`);
    assert.ok(afterRecovery > 0.2, `back in use once fast: ${afterRecovery}`);
  } finally {
    await quick.stop();
    await slow.close();
  }
});
