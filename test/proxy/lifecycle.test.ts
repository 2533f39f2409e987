// Admin API wiring and graceful drain (RELIABILITY.md E1: 0 failed in-flight requests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { startProxy } from '../helpers/proxy.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

test('admin API: ready, stats, config_dump, clusters, listeners', async () => {
  const echo = await startEchoServer('echo');
  const proxy = await startProxy(simple([{ name: 'all', match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])]));
  try {
    for (let i = 0; i < 3; i++) await request(proxy.ports.main, '/x');
    await request(proxy.ports.main, '/status/500');
    assert.equal((await proxy.admin('/ready')).status, 200);
    const stats = await (await proxy.admin('/stats/prometheus')).text();
    assert.match(stats, /weft_requests_total\{[^}]*destination_service="echo"[^}]*response_code="200"[^}]*\} 3/);
    assert.match(stats, /weft_requests_total\{[^}]*response_code="500"[^}]*\} 1/);
    assert.match(stats, /weft_request_duration_seconds_bucket\{/);
    const dump = await (await proxy.admin('/config_dump')).json() as { configs: { '@type': string }[] };
    assert.ok(dump.configs.some((c) => c['@type'].endsWith('BootstrapConfigDump')));
    const clusters = await (await proxy.admin('/clusters')).text();
    assert.match(clusters, new RegExp(`echo::127\\.0\\.0\\.1:${echo.port}::rq_total::4`));
    const listeners = await (await proxy.admin('/listeners')).text();
    assert.match(listeners, new RegExp(`main::127\\.0\\.0\\.1:${proxy.ports.main}`));
    assert.equal((await proxy.admin('/quitquitquit')).status, 405, 'mutations need POST');
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test('POST /quitquitquit stops the proxy cleanly', async () => {
  const echo = await startEchoServer('echo');
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])]), { args: ['--drain-time-s', '2'] });
  const exited = new Promise((r) => proxy.child.once('exit', r));
  assert.equal((await proxy.admin('/quitquitquit', { method: 'POST' })).status, 200);
  assert.equal(await exited, 0);
  await proxy.stop();
  await echo.close();
});

test('E1: SIGTERM drains — in-flight HTTP/1.1 and HTTP/2 requests complete, HTTP/1.1 says Connection: close', async () => {
  const echo = await startEchoServer('slow');
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])]), { args: ['--drain-time-s', '10'] });
  const port = proxy.ports.main;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  await request(port, '/warm', { agent });
  const h1 = Array.from({ length: 10 }, (_, i) => request(port, `/delay/600?i=${i}`, { agent }));
  const session = http2.connect(`http://127.0.0.1:${port}`);
  let goaway = false;
  session.on('goaway', () => { goaway = true; });
  const h2 = Array.from({ length: 5 }, (_, i) => new Promise<number>((resolve, reject) => {
    const s = session.request({ ':path': `/delay/600?h2=${i}` });
    let status = 0;
    s.on('response', (h) => { status = Number(h[':status']); });
    s.on('data', () => {});
    s.on('end', () => resolve(status));
    s.on('error', reject);
  }));
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  const exitCode = proxy.stop('SIGTERM');
  const h1Results = await Promise.all(h1);
  const h2Results = await Promise.all(h2);
  assert.deepEqual(h1Results.map((r) => r.status), Array(10).fill(200));
  assert.ok(h1Results.every((r) => r.headers.connection === 'close'), 'HTTP/1.1 responses carry Connection: close');
  assert.deepEqual(h2Results, Array(5).fill(200));
  assert.ok(goaway, 'HTTP/2 client got GOAWAY');
  assert.equal(await exitCode, 0);
  assert.ok(Date.now() - started < 10_000, 'exited within the drain time');
  session.close();
  agent.destroy();
  await echo.close();
});

test('POST /drain_listeners?graceful stops accepting while the admin API keeps answering', async () => {
  const echo = await startEchoServer('echo');
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])]));
  try {
    assert.equal((await request(proxy.ports.main, '/before')).status, 200);
    assert.equal((await proxy.admin('/drain_listeners?graceful', { method: 'POST' })).status, 200);
    await assert.rejects(request(proxy.ports.main, '/after'), /ECONNREFUSED/);
    assert.equal((await proxy.admin('/ready')).status, 200, 'the process itself is not draining');
  } finally {
    await proxy.stop();
    await echo.close();
  }
});
