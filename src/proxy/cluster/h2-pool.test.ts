// The HTTP/2 pool against a real h2c upstream: many requests while its session is still connecting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { H2Pool } from './h2-pool.ts';
import type { RequestHead, UpstreamStream } from '../http/stream.ts';

test('requests queued on a connecting session add no listener each and all learn that their bytes were sent', async () => {
  const server = http2.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const pool = new H2Pool('127.0.0.1', port, { connectTimeoutMs: 2000 });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => { warnings.push(w); };
  process.on('warning', onWarning);
  const head: RequestHead = { method: 'GET', path: '/', authority: 'test', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false };
  try {
    const streams: UpstreamStream[] = [];
    // All in one tick: the session opened by the first is still connecting for the other 29.
    const done = Array.from({ length: 30 }, () => new Promise<number | string>((resolve) => {
      let status = 0;
      const s = pool.request(head, {
        onInterim() {}, onHead(st) { status = st; }, onData() {}, onEnd() { resolve(status); }, onError(f) { resolve(f); }, onWritable() {},
      });
      streams.push(s);
      s.end(null);
    }));
    assert.equal(pool.openConnections, 1);
    assert.ok(streams.every((s) => !s.requestBytesSent), 'nothing is sent before the connection is up');
    assert.deepEqual(await Promise.all(done), Array(30).fill(200));
    assert.ok(streams.every((s) => s.requestBytesSent));
    await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
  } finally {
    process.off('warning', onWarning);
    pool.close();
    server.close();
  }
});
