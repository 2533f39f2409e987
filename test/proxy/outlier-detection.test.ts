// Outlier detection against real upstreams that fail on command: RELIABILITY.md C3 (one of three
// always answers 503) and C4 (a blackholed endpoint: SYNs dropped by iptables, no RST), with the
// counters on /stats/prometheus and the ejection state on /clusters. Retries are not part of this
// branch, so "0 client errors" is measured for requests sent after the ejection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { startProxy, eventually, type RunningProxy } from '../helpers/proxy.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

interface FixedServer {
  readonly port: number;
  status: number;
  hits: number;
  close(): Promise<void>;
}

/** An upstream answering every request with `status` (settable), counting hits. */
async function startFixed(status: number): Promise<FixedServer> {
  const state = { status, hits: 0 };
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    state.hits++;
    req.resume();
    res.writeHead(state.status, { 'content-type': 'text/plain' }).end(`status ${state.status}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface HostJson {
  address: { socket_address: { port_value: number } };
  health_status: { failed_outlier_check?: boolean };
  weft_outlier: { ejected: boolean; reason: string; ejections: number; remaining_ms: number };
}

async function hosts(proxy: RunningProxy, cluster: string): Promise<Map<number, HostJson>> {
  const body = (await (await proxy.admin('/clusters?format=json')).json()) as { cluster_statuses: { name: string; host_statuses: HostJson[] }[] };
  const c = body.cluster_statuses.find((x) => x.name === cluster)!;
  return new Map(c.host_statuses.map((h) => [h.address.socket_address.port_value, h]));
}

async function counter(proxy: RunningProxy, name: string, labels: string): Promise<number> {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

test('C3: one of 3 upstreams always 503 — ejected after 5 consecutive 5xx, no errors while out, back after base × count', async () => {
  const good = [await startFixed(200), await startFixed(200)];
  const bad = await startFixed(503);
  cleanups.push(() => Promise.all([...good, bad].map((s) => s.close())));
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'web' } }], [
    staticCluster('web', [good[0].port, bad.port, good[1].port], {
      lb_policy: 'ROUND_ROBIN', outlier_detection: { interval: '1s', base_ejection_time: '2s', consecutive_5xx: 5 },
    }),
  ]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const port = proxy.ports.main;

  // Round robin: every third request meets the bad endpoint; its fifth 503 ejects it at once.
  let errors = 0;
  while (bad.hits < 5) if ((await request(port, '/')).status !== 200) errors++;
  const ejectedAt = Date.now();
  assert.equal(errors, 5, 'the five 503s that gave the endpoint away reached the client (no retries here)');
  const view = (await hosts(proxy, 'web')).get(bad.port)!;
  assert.equal(view.health_status.failed_outlier_check, true);
  assert.deepEqual({ ...view.weft_outlier, remaining_ms: undefined }, { ejected: true, reason: 'consecutive_5xx', ejections: 1, remaining_ms: undefined });
  assert.ok(view.weft_outlier.remaining_ms <= 2000 && view.weft_outlier.remaining_ms > 1500, `remaining ${view.weft_outlier.remaining_ms} ms`);
  const text = await (await proxy.admin('/clusters')).text();
  assert.match(text, new RegExp(`^web::127\\.0\\.0\\.1:${bad.port}::health_flags::/failed_outlier_check$`, 'm'));
  assert.equal(await counter(proxy, 'weft_proxy_outlier_ejections_total', 'reason="consecutive_5xx"'), 1);

  // While it is out: every request succeeds and none reaches it.
  let after = 0;
  let afterErrors = 0;
  while (Date.now() - ejectedAt < 1500) {
    after++;
    if ((await request(port, '/')).status !== 200) afterErrors++;
  }
  assert.equal(afterErrors, 0, `${afterErrors} errors in ${after} requests after the ejection`);
  assert.equal(bad.hits, 5);

  // Re-admitted at the first interval tick after base_ejection_time × 1 = 2 s.
  await eventually(async () => !(await hosts(proxy, 'web')).get(bad.port)!.weft_outlier.ejected, 5000, 're-admission');
  const outFor = Date.now() - ejectedAt;
  assert.ok(outFor >= 1900 && outFor <= 4000, `out for ${outFor} ms (base 2 s + up to one 1 s interval + polling)`);
  process.stderr.write(`C3: ejected after 5 consecutive 503s, 0 errors in ${after} requests while out, re-admitted after ${outFor} ms\n`);

  // Still failing: ejected again, now for base × 2 = 4 s.
  while (bad.hits < 10) await request(port, '/');
  const again = (await hosts(proxy, 'web')).get(bad.port)!.weft_outlier;
  assert.equal(again.ejected, true);
  assert.equal(again.ejections, 2);
  assert.ok(again.remaining_ms > 3500 && again.remaining_ms <= 4000, `second ejection lasts ${again.remaining_ms} ms`);
});

test('C3: never more than max(1, 10 %) of the hosts ejected, even when all fail', async () => {
  const servers = [await startFixed(500), await startFixed(500), await startFixed(500)];
  cleanups.push(() => Promise.all(servers.map((s) => s.close())));
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'all-bad' } }], [
    staticCluster('all-bad', servers.map((s) => s.port), { outlier_detection: { interval: '1s', base_ejection_time: '10s' } }),
  ]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  for (let i = 0; i < 40; i++) assert.equal((await request(proxy.ports.main, '/')).status, 500);
  const ejected = [...(await hosts(proxy, 'all-bad')).values()].filter((h) => h.weft_outlier.ejected);
  assert.equal(ejected.length, 1);
  assert.ok(await counter(proxy, 'weft_proxy_outlier_ejections_overflow_total', 'cluster="all-bad"') >= 1);
  assert.equal(await counter(proxy, 'weft_proxy_outlier_ejections_active', 'cluster="all-bad"'), 1);
});

test('failure percentage, evaluated each interval, ejects a host that fails most of its requests', async () => {
  const servers = [await startFixed(200), await startFixed(200), await startFixed(200)];
  cleanups.push(() => Promise.all(servers.map((s) => s.close())));
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'fp' } }], [
    staticCluster('fp', servers.map((s) => s.port), {
      outlier_detection: {
        interval: '1s', base_ejection_time: '10s', consecutive_5xx: 0,
        enforcing_failure_percentage: 100, failure_percentage_minimum_hosts: 3, failure_percentage_request_volume: 10, failure_percentage_threshold: 50,
      },
    }),
  ]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  // Alternate the bad host between 503 and 200 so no consecutive run could be what ejects it.
  const flaky = servers[1];
  const origin = Date.now();
  let sent = 0;
  while (Date.now() - origin < 2500 && !(await hosts(proxy, 'fp')).get(flaky.port)!.weft_outlier.ejected) {
    for (let i = 0; i < 9; i++) {
      flaky.status = flaky.hits % 3 === 0 ? 200 : 503;
      await request(proxy.ports.main, '/');
      sent++;
    }
  }
  const view = (await hosts(proxy, 'fp')).get(flaky.port)!;
  assert.equal(view.weft_outlier.ejected, true, `not ejected after ${sent} requests`);
  assert.equal(view.weft_outlier.reason, 'failure_percentage');
  assert.equal(await counter(proxy, 'weft_proxy_outlier_ejections_total', 'reason="failure_percentage"'), 1);
});

test('route timeouts count against the endpoint that did not answer (as 504s)', async () => {
  const good = await startFixed(200);
  const silent = net.createServer((s) => { s.on('error', () => {}); s.resume(); }); // reads, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  cleanups.push(() => good.close(), () => new Promise((r) => silent.close(r)));
  const silentPort = (silent.address() as AddressInfo).port;
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'slow', timeout: '0.2s' } }], [
    staticCluster('slow', [good.port, silentPort], { lb_policy: 'ROUND_ROBIN', outlier_detection: { consecutive_5xx: 2, interval: '1s', base_ejection_time: '10s' } }),
  ]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await request(proxy.ports.main, '/')).status);
  // Round robin from a random start: the silent endpoint answers 504 on the first or second request,
  // then every other one, until its second 504 ejects it.
  const second504 = statuses.lastIndexOf(504);
  assert.equal(statuses.filter((s) => s === 504).length, 2, `two timeouts, then the silent endpoint is out: ${statuses}`);
  assert.ok(second504 <= 3 && statuses.slice(second504 + 1).every((s) => s === 200), `only 200s after the second timeout: ${statuses}`);
  assert.equal((await hosts(proxy, 'slow')).get(silentPort)!.weft_outlier.reason, 'consecutive_5xx');
});

/** A 127.x address and port whose SYNs iptables drops (no RST): a blackhole. Undefined when iptables cannot. */
function blackhole(): { host: string; port: number; remove(): void } | undefined {
  const host = '127.0.0.77';
  const port = 40000 + (process.pid % 20000);
  const rule = ['INPUT', '-d', host, '-p', 'tcp', '--dport', String(port), '-j', 'DROP'];
  try {
    execFileSync('iptables', ['-I', ...rule], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  return { host, port, remove: () => { try { execFileSync('iptables', ['-D', ...rule], { stdio: 'pipe' }); } catch { /* already gone */ } } };
}

test('C4: a blackholed endpoint (DROP, no RST) times out at connect_timeout 1 s and is ejected within 5 s; then 0 errors', async (t) => {
  const hole = blackhole();
  if (hole === undefined) {
    t.skip('iptables is not usable here (needs root and the iptables binary); C4 not run');
    return;
  }
  cleanups.push(() => hole.remove());
  // Nothing may answer on that address: a refused connection would not be a blackhole.
  const probe = await new Promise<string>((resolve) => {
    const s = net.connect({ host: hole.host, port: hole.port });
    const timer = setTimeout(() => { s.destroy(); resolve('silent'); }, 300);
    s.on('error', (e) => { clearTimeout(timer); resolve(e.message); });
    s.on('connect', () => { clearTimeout(timer); s.destroy(); resolve('connected'); });
  });
  assert.equal(probe, 'silent');
  const good = [await startFixed(200), await startFixed(200)];
  cleanups.push(() => Promise.all(good.map((s) => s.close())));
  const cluster = staticCluster('c4', [good[0].port, good[1].port], { outlier_detection: { interval: '1s', base_ejection_time: '30s' } });
  const lbEndpoints = (cluster.load_assignment as { endpoints: { lb_endpoints: unknown[] }[] }).endpoints[0].lb_endpoints;
  lbEndpoints.splice(1, 0, { endpoint: { address: { socket_address: { address: hole.host, port_value: hole.port } } } });
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'c4' } }], [cluster]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  assert.equal(cluster.connect_timeout, '1s');

  const started = Date.now();
  let ejectedAt = 0;
  const outcomes: { sentAt: number; status: number; error: string; ms: number }[] = [];
  // Eight clients in a loop for up to 8 s: the blackhole gets its share concurrently.
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() - started < 8000 && (ejectedAt === 0 || Date.now() - ejectedAt < 1500)) {
      const sentAt = Date.now();
      const res = await request(proxy.ports.main, '/');
      outcomes.push({ sentAt, status: res.status, error: String(res.headers['x-weft-error'] ?? ''), ms: Date.now() - sentAt });
      if (ejectedAt === 0 && (await hosts(proxy, 'c4')).get(hole.port)!.weft_outlier.ejected) ejectedAt = Date.now();
    }
  }));
  assert.ok(ejectedAt > 0, 'the blackholed endpoint was never ejected');
  const ejectMs = ejectedAt - started;
  const timeouts = outcomes.filter((o) => o.error === 'upstream-connect-timeout');
  assert.ok(timeouts.length >= 5, `${timeouts.length} connect timeouts`);
  for (const o of timeouts) assert.ok(o.ms >= 900 && o.ms < 2000, `a connect timeout took ${o.ms} ms (connect_timeout 1 s)`);
  const later = outcomes.filter((o) => o.sentAt > ejectedAt);
  const laterErrors = later.filter((o) => o.status !== 200);
  process.stderr.write(`C4: ${timeouts.length} connect timeouts of ~1 s, ejected after ${ejectMs} ms, ${laterErrors.length} errors in ${later.length} requests sent after\n`);
  assert.ok(ejectMs <= 5000, `ejected after ${ejectMs} ms`);
  assert.ok(later.length > 0);
  assert.equal(laterErrors.length, 0);
  assert.equal((await hosts(proxy, 'c4')).get(hole.port)!.weft_outlier.reason, 'consecutive_5xx', 'without the split, a connect timeout counts as a 504');
});

test('connect_timeout defaults to 5 s (Envoy)', async () => {
  const server = await startFixed(200);
  cleanups.push(() => server.close());
  const cluster = staticCluster('d', [server.port]);
  delete cluster.connect_timeout;
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'd' } }], [cluster]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const dump = JSON.stringify(await (await proxy.admin('/config_dump')).json());
  assert.match(dump, /"connect_timeout":"5s"/);
});
