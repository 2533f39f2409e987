// HTTP/1.1 behaviour of the proxy: hygiene, framing, pipelining, keep-alive, 100-continue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, rawExchange, type EchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

let echo: EchoServer;
let proxy: RunningProxy;
let port: number;

before(async () => {
  echo = await startEchoServer('echo');
  proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])]));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
});

test('hop-by-hop headers (and those named in Connection) are not forwarded', async () => {
  const res = await request(port, '/h', { headers: { connection: 'x-secret', 'x-secret': 's', 'keep-alive': 'timeout=5', 'proxy-connection': 'x', 'x-kept': 'k' } });
  const seen = res.json<{ headers: Record<string, string> }>().headers;
  assert.equal(seen['x-secret'], undefined);
  assert.equal(seen['keep-alive'], undefined);
  assert.equal(seen['proxy-connection'], undefined);
  assert.equal(seen['x-kept'], 'k');
});

test('x-request-id is generated when absent and kept when present; x-forwarded-for/proto are set', async () => {
  const a = (await request(port, '/id')).json<{ headers: Record<string, string> }>().headers;
  assert.match(a['x-request-id'], /^[0-9a-f-]{36}$/);
  assert.equal(a['x-forwarded-for'], '127.0.0.1');
  assert.equal(a['x-forwarded-proto'], 'http');
  const b = (await request(port, '/id', { headers: { 'x-request-id': 'mine', 'x-forwarded-for': '10.1.1.1' } })).json<{ headers: Record<string, string> }>().headers;
  assert.equal(b['x-request-id'], 'mine');
  assert.equal(b['x-forwarded-for'], '10.1.1.1, 127.0.0.1');
});

test('a chunked request body is forwarded chunked and canonical; trailers pass through', async () => {
  const before = echo.raw().length;
  const { data } = await rawExchange(port,
    'POST /chunked-in HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n' +
    '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n', 2000);
  assert.match(data, /^HTTP\/1\.1 200 /);
  assert.match(data, /"body":"hello world"/);
  const upstreamSaw = echo.raw().slice(before);
  assert.match(upstreamSaw, /transfer-encoding: chunked\r\n/);
  assert.ok(upstreamSaw.includes('5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n'), upstreamSaw);
  assert.ok(!upstreamSaw.includes(';ext=1'), 'chunk extensions are dropped');
});

test('a chunked response with trailers reaches the client with its trailers', async () => {
  const res = await request(port, '/chunked');
  assert.equal(res.status, 200);
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.ok(res.trailers['x-checksum']);
  assert.equal(res.json().server, 'echo');
});

test('pipelined requests are answered in order on one connection', async () => {
  const { data } = await rawExchange(port,
    'GET /p1 HTTP/1.1\r\nhost: t\r\n\r\nGET /p2 HTTP/1.1\r\nhost: t\r\n\r\nGET /p3 HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n', 3000);
  const urls = [...data.matchAll(/"url":"(\/p\d)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/p1', '/p2', '/p3']);
  assert.equal((data.match(/HTTP\/1\.1 200/g) ?? []).length, 3);
});

test('upstream connections are kept alive and reused', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await request(port, '/warm', { agent });
  const opened = echo.connections;
  for (let i = 0; i < 20; i++) await request(port, `/reuse/${i}`, { agent });
  assert.equal(echo.connections, opened, 'no new upstream connection for sequential requests');
  agent.destroy();
});

test('Expect: 100-continue gets an interim 100 from the proxy, then the response', async () => {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => { data += d.toString('latin1'); });
  socket.write('POST /expect HTTP/1.1\r\nhost: t\r\ncontent-length: 4\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n');
  await new Promise((r) => setTimeout(r, 300));
  assert.match(data, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
  socket.write('ping');
  await new Promise((r) => socket.on('close', r));
  assert.match(data, /HTTP\/1\.1 200 /);
  assert.match(data, /"body":"ping"/);
  assert.doesNotMatch(data, /"expect"/, 'the Expect header is not forwarded');
});

test('HEAD gets headers without a body, and the connection stays usable', async () => {
  const { data } = await rawExchange(port, 'HEAD /head HTTP/1.1\r\nhost: t\r\n\r\nGET /after HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n', 2000);
  const parts = data.split('HTTP/1.1 200 OK');
  assert.equal(parts.length, 3, data);
  assert.match(data, /"url":"\/after"/);
});

test('HTTP/1.0 client: response is delimited and the connection closes', async () => {
  const { data, closed } = await rawExchange(port, 'GET /ten HTTP/1.0\r\nhost: t\r\n\r\n', 2000);
  assert.match(data, /^HTTP\/1\.1 200 /);
  assert.match(data, /"url":"\/ten"/);
  assert.ok(closed);
});
