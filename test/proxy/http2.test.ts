// HTTP/2 through the proxy: h2c prior knowledge downstream, HTTP/2 upstreams, conversion
// between HTTP/1.1 and HTTP/2 in both directions, and gRPC end to end (trailers, status,
// streaming both ways).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, startH2EchoServer, type EchoServer, type H2EchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster, H2_OPTIONS } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { EchoClient, startGrpcServer } from '../helpers/grpc.ts';

let h1: EchoServer;
let h2: H2EchoServer;
let grpcServer: { port: number; close(): Promise<void> };
let proxy: RunningProxy;
let port: number;

before(async () => {
  h1 = await startEchoServer('h1');
  h2 = await startH2EchoServer('h2');
  grpcServer = await startGrpcServer('g1');
  proxy = await startProxy(simple([
    { match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc' } },
    { match: { prefix: '/h2/' }, route: { cluster: 'h2' } },
    { match: { prefix: '/' }, route: { cluster: 'h1' } },
  ], [staticCluster('h1', [h1.port]), staticCluster('h2', [h2.port], H2_OPTIONS), staticCluster('grpc', [grpcServer.port], H2_OPTIONS)]));
  port = proxy.ports.main;
});

after(async () => {
  // Timed, so that a teardown that stalls says which step it was.
  const step = async (what: string, run: () => Promise<unknown> | undefined) => {
    const t0 = Date.now();
    await run();
    if (Date.now() - t0 > 5000) process.stderr.write(`http2.test teardown: ${what} took ${Date.now() - t0} ms\n`);
  };
  await step('proxy.stop', () => proxy?.stop());
  await step('h1.close', () => h1?.close());
  await step('h2.close', () => h2?.close());
  await step('grpcServer.close', () => grpcServer?.close());
});

function h2Request(path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': path, ':method': body ? 'POST' : 'GET', ...headers }, { endStream: body === undefined });
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { status = Number(h[':status']); responseHeaders = h; });
    stream.on('trailers', (t) => { trailers = t; });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => { session.close(); resolve({ status, headers: responseHeaders, trailers, body: Buffer.concat(chunks).toString() }); });
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

test('h2c prior-knowledge client → HTTP/1.1 upstream', async () => {
  const res = await h2Request('/from-h2?x=1', { 'x-test': 'yes' }, 'payload');
  assert.equal(res.status, 200);
  const seen = JSON.parse(res.body) as { url: string; body: string; httpVersion: string; headers: Record<string, string> };
  assert.equal(seen.url, '/from-h2?x=1');
  assert.equal(seen.body, 'payload');
  assert.equal(seen.httpVersion, '1.1');
  assert.equal(seen.headers['x-test'], 'yes');
  assert.equal(seen.headers['transfer-encoding'], 'chunked', 'an HTTP/2 body without content-length is chunked on HTTP/1.1');
});

test('HTTP/1.1 client → HTTP/2 upstream, response trailers dropped only where HTTP/1.1 cannot carry them', async () => {
  const res = await request(port, '/h2/x', { method: 'POST', body: 'abc' });
  assert.equal(res.status, 200);
  const seen = JSON.parse(res.body) as { headers: Record<string, string>; body: string };
  assert.equal(seen.headers[':path'], '/h2/x');
  assert.equal(seen.body, 'abc');
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.equal(res.trailers['x-trailer'], 'done', 'trailers forwarded on a chunked HTTP/1.1 response');
});

test('HTTP/2 client → HTTP/2 upstream keeps trailers', async () => {
  const res = await h2Request('/h2/t', { te: 'trailers' });
  assert.equal(res.status, 200);
  assert.equal(res.trailers['x-trailer'], 'done');
});

test('gRPC unary through the proxy: metadata in, message and trailers out', async () => {
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const md = new grpc.Metadata();
  md.set('x-who', 'alice');
  const trailers: grpc.Metadata[] = [];
  const reply = await new Promise<string>((resolve, reject) => {
    const call = client.unary('hi', md, (err: Error | null, value: string) => (err ? reject(err) : resolve(value)));
    call.on('status', (s: grpc.StatusObject) => trailers.push(s.metadata));
  });
  assert.equal(reply, 'g1:hi:alice');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(trailers[0]?.get('x-served-by')[0], 'g1');
  client.close();
});

test('gRPC error status travels in trailers', async () => {
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const err = await new Promise<grpc.ServiceError>((resolve) => client.unary('fail', (e: grpc.ServiceError) => resolve(e)));
  assert.equal(err.code, grpc.status.NOT_FOUND);
  assert.equal(err.details, 'asked to fail');
  client.close();
});

test('gRPC streaming: server stream and bidirectional stream', async () => {
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const call = client.serverStream('5');
    call.on('data', (m: string) => got.push(m));
    call.on('end', resolve);
    call.on('error', reject);
  });
  assert.deepEqual(got, ['g1-0', 'g1-1', 'g1-2', 'g1-3', 'g1-4']);
  const echoed: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const call = client.bidi();
    call.on('data', (m: string) => {
      echoed.push(m);
      if (echoed.length < 3) call.write(`m${echoed.length}`);
      else call.end();
    });
    call.on('end', resolve);
    call.on('error', reject);
    call.write('m0');
  });
  assert.deepEqual(echoed, ['g1:M0', 'g1:M1', 'g1:M2']);
  client.close();
});
