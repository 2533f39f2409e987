// Regressions found in review: inputs that once crashed the process, desynced a connection or
// leaked one. Each test fails on the old behaviour.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http2 from 'node:http2';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, rawExchange } from '../helpers/upstream.ts';
import { bootstrap, simple, staticCluster, H2_OPTIONS } from '../helpers/bootstrap.ts';
import { delay, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

async function h2Upstream(): Promise<number> {
  const srv = http2.createServer();
  srv.on('stream', (s, headers) => {
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('end', () => {
      s.respond({ ':status': 200, 'x-user-agent': String(headers['user-agent']) }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'x-done': '1' }));
      s.end('ok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => srv.close(r)));
  return (srv.address() as net.AddressInfo).port;
}

async function alive(proxy: RunningProxy): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(proxy.child.exitCode, null, `proxy exited: ${proxy.stderr()}`);
  assert.equal((await proxy.admin('/ready')).status, 200);
}

test('HTTP/1.1 → HTTP/2 upstream: repeated single-value fields are joined, not fatal', async () => {
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'h2' } }], [staticCluster('h2', [await h2Upstream()], H2_OPTIONS)]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const r = await rawExchange(proxy.ports.main, 'GET / HTTP/1.1\r\nhost: a\r\nuser-agent: a\r\nuser-agent: b\r\nconnection: close\r\n\r\n', 2000);
  assert.match(r.data, /^HTTP\/1\.1 200 /);
  assert.match(r.data, /x-user-agent: a, b\r\n/);
  await alive(proxy);
});

test('request trailers naming connection-specific fields do not reach an HTTP/2 upstream (and do not crash)', async () => {
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'h2' } }], [staticCluster('h2', [await h2Upstream()], H2_OPTIONS)]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const r = await rawExchange(proxy.ports.main,
    'POST /x HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\n0\r\nconnection: foo\r\nx-ok: 1\r\n\r\n', 2000);
  assert.match(r.data, /^HTTP\/1\.1 200 /);
  await alive(proxy);
});

test('HTTP/2 client with a path HTTP/1.1 cannot carry gets 400 invalid-path', async () => {
  const echo = await startEchoServer();
  cleanups.push(() => echo.close());
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'h1' } }], [staticCluster('h1', [echo.port])]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const session = http2.connect(`http://127.0.0.1:${proxy.ports.main}`);
  const status = await new Promise<number>((resolve) => {
    const s = session.request({ ':path': '/caf\u00e9' });
    s.on('response', (h) => resolve(Number(h[':status'])));
    s.on('error', () => resolve(-1));
    s.resume();
  });
  session.close();
  assert.equal(status, 400);
  assert.equal(echo.requests.length, 0);
  await alive(proxy);
});

test('a request pipelined behind a body the proxy did not read is never executed', async () => {
  const echo = await startEchoServer();
  cleanups.push(() => echo.close());
  const proxy = await startProxy(simple([{ match: { prefix: '/api' }, route: { cluster: 'h1' } }], [staticCluster('h1', [echo.port])]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  // /nope has no route: answered 404 before its body is read; /api/charge hides behind it.
  const r = await rawExchange(proxy.ports.main,
    'POST /nope HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhelloPOST /api/charge HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n', 2000);
  assert.match(r.data, /^HTTP\/1\.1 404 /);
  assert.match(r.data, /\r\nconnection: close\r\n/i, 'the client is told the connection closes');
  assert.ok(r.closed);
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(echo.requests.map((q) => q.url), []);
});

test('an upstream connection paused by backpressure is resumed before it is reused', async () => {
  // The whole response (head + body) arrives in one 64 KiB read.
  const base = 'HTTP/1.1 200 X\r\nContent-Length: 00000\r\n\r\n'.length;
  const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 X\r\nContent-Length: ${65536 - base}\r\n\r\n`), Buffer.alloc(65536 - base, 97)]);
  const up = net.createServer((s) => {
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) { buf = buf.slice(buf.indexOf('\r\n\r\n') + 4); s.write(response); }
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => up.close(r)));
  const proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'h1', timeout: '3s' } }], [staticCluster('h1', [(up.address() as net.AddressInfo).port])]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const r = await rawExchange(proxy.ports.main, 'GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n', 5000);
    assert.match(r.data, /^HTTP\/1\.1 200 /, `request ${i}`);
    assert.ok(Date.now() - started < 2000, `request ${i} took ${Date.now() - started} ms`);
  }
});

test('tcp_proxy passes a half-close through: the client sends, FINs, then reads the answer', async () => {
  const up = net.createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d) => { n += d.length; });
    s.on('end', () => setTimeout(() => s.end(`got ${n} bytes\n`), 50));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => up.close(r)));
  const proxy = await startProxy(bootstrap([{
    name: 'tcp', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'tcp', cluster: 'up' } }] }],
  }], [staticCluster('up', [(up.address() as net.AddressInfo).port])]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  const got = await new Promise<string>((resolve) => {
    const s = net.connect({ port: proxy.ports.tcp, host: '127.0.0.1', allowHalfOpen: true });
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('close', () => resolve(data));
    s.on('error', () => {});
    s.end('hello world');
    setTimeout(() => s.destroy(), 3000);
  });
  assert.equal(got, 'got 11 bytes\n');
});

test('a keep-alive request whose body waited for an upstream connection does not leave its client connection paused', async () => {
  // max_connections 1: while a slow request holds the only connection, a POST waits for it and
  // its body is held, the client connection paused for backpressure that no upstream 'drain'
  // will end (the pending request's write returns false). The next request on that connection
  // must still be read once the POST is answered.
  const up = await startScriptedUpstream('up');
  cleanups.push(() => up.close());
  const proxy = await startProxy(simple([
    { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'here' } } },
    { match: { prefix: '/' }, route: { cluster: 'one' } },
  ], [staticCluster('one', [up.port], { circuit_breakers: { thresholds: [{ max_connections: 1 }] } })]));
  cleanups.push(() => proxy.stop('SIGKILL'));
  up.script(delay(300));
  const slow = rawExchange(proxy.ports.main, 'GET /slow HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n', 3000);
  await new Promise((r) => setTimeout(r, 100));
  const got = await new Promise<string>((resolve) => {
    const s = net.connect(proxy.ports.main, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { s.destroy(); resolve(data); }, 3000);
    s.on('error', () => {});
    s.on('data', (d) => {
      data += d.toString('latin1');
      if (!data.includes('GET-SENT') && /^HTTP\/1\.1 200 [^]*\r\n0\r\n\r\n$/.test(data)) { // the chunked POST response is complete
        data += 'GET-SENT';
        s.write('GET /direct HTTP/1.1\r\nhost: a\r\n\r\n');
      }
      if (data.endsWith('here')) { clearTimeout(timer); s.destroy(); resolve(data); }
    });
    s.write('POST /charge HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhello');
  });
  assert.match((await slow).data, /^HTTP\/1\.1 200 /);
  assert.match(got, /^HTTP\/1\.1 200 /, got);
  assert.match(got, /GET-SENTHTTP\/1\.1 200 [^]*here$/, `the next request on the connection was never answered: ${JSON.stringify(got.slice(-300))}`);
});
