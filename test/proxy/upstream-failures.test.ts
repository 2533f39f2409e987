// Locally generated errors say why: status, x-weft-error, and the access-log response flag.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

let echo: EchoServer;
let proxy: RunningProxy;
let port: number;
let closedPort: number;
let resetter: net.Server;
let resetPort: number;

before(async () => {
  echo = await startEchoServer('echo');
  // A port with nothing listening: bind, read the port, close.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  // An upstream that accepts, reads the request and hangs up without answering.
  resetter = net.createServer((s) => s.once('data', () => s.destroy()));
  await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r));
  resetPort = (resetter.address() as net.AddressInfo).port;
  proxy = await startProxy(simple([
    { match: { prefix: '/down' }, route: { cluster: 'down' } },
    { match: { prefix: '/reset' }, route: { cluster: 'reset' } },
    { match: { prefix: '/delay' }, route: { cluster: 'echo', timeout: '0.2s' } },
    { match: { prefix: '/missing' }, route: { cluster: 'echo' } },
    { match: { prefix: '/' }, route: { cluster: 'echo' } },
  ], [staticCluster('echo', [echo.port]), staticCluster('down', [closedPort]), staticCluster('reset', [resetPort])]));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  resetter?.close();
});

async function flagFor(path: string): Promise<unknown> {
  await new Promise((r) => setTimeout(r, 50));
  return proxy.accessLog().find((l) => l.path === path)?.response_flags;
}

test('connection refused → 503 upstream-connect-failure, flag UF', async () => {
  const res = await request(port, '/down');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-weft-error'], 'upstream-connect-failure');
  assert.match(res.body, /could not connect/);
  assert.equal(await flagFor('/down'), 'UF');
});

test('upstream closes before answering → 503 upstream-reset, flag UC', async () => {
  const res = await request(port, '/reset');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-weft-error'], 'upstream-reset');
  assert.equal(await flagFor('/reset'), 'UC');
});

test('route timeout → 504 upstream-timeout, flag UT', async () => {
  const started = Date.now();
  const res = await request(port, '/delay/2000');
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-weft-error'], 'upstream-timeout');
  assert.ok(Date.now() - started < 1500, 'answered at the timeout, not after the upstream');
  assert.equal(await flagFor('/delay/2000'), 'UT');
});

test('the upstream status is passed through untouched (no flag)', async () => {
  const res = await request(port, '/status/503');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-weft-error'], undefined);
  assert.equal(await flagFor('/status/503'), '-');
});
