// Route timeouts against real slow upstreams: timeout (0 disables it), idle_timeout,
// max_stream_duration, and a gRPC request's grpc-timeout (capped by grpc_timeout_header_max, less
// grpc_timeout_header_offset). Each ends in 504 upstream-timeout before the upstream would answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { delay, drip, startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { H2_OPTIONS, simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { ECHO_SERVICE, EchoClient } from '../helpers/grpc.ts';

let slow: ScriptedUpstream;
let grpcServer: grpc.Server;
let grpcCancelled = 0;
let proxy: RunningProxy;
let port: number;

before(async () => {
  slow = await startScriptedUpstream('slow');
  slow.standing = delay(600);
  // A gRPC service that answers after 1 s, and counts the calls the proxy cancelled before that.
  grpcServer = new grpc.Server();
  grpcServer.addService(ECHO_SERVICE, {
    unary: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => {
      const timer = setTimeout(() => cb(null, 'late'), 1000);
      call.on('cancelled', () => { grpcCancelled++; clearTimeout(timer); });
    },
    serverStream: () => {},
    bidi: () => {},
  });
  const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  proxy = await startProxy(simple([
    { match: { prefix: '/timeout' }, route: { cluster: 'slow', timeout: '0.15s' } },
    { match: { prefix: '/no-timeout' }, route: { cluster: 'slow', timeout: '0s' } },
    { match: { prefix: '/idle' }, route: { cluster: 'slow', timeout: '0s', idle_timeout: '0.15s' } },
    { match: { prefix: '/duration' }, route: { cluster: 'slow', timeout: '0s', max_stream_duration: { max_stream_duration: '0.15s' } } },
    { match: { prefix: '/grpc-capped' }, route: { cluster: 'slow', timeout: '0s', max_stream_duration: { grpc_timeout_header_max: '0.1s' } } },
    { match: { prefix: '/grpc-offset' }, route: { cluster: 'slow', timeout: '0s', max_stream_duration: { grpc_timeout_header_offset: '0.2s' } } },
    { match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc', timeout: '0s' } },
    { match: { prefix: '/' }, route: { cluster: 'slow', timeout: '0s' } },
  ], [staticCluster('slow', [slow.port]), staticCluster('grpc', [grpcPort], H2_OPTIONS)]));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await slow?.close();
  grpcServer?.forceShutdown();
});


async function flagsFor(path: string): Promise<unknown> {
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 40 && line === undefined; i++) {
    await new Promise((r) => setTimeout(r, 25));
    line = proxy.accessLog().findLast((l) => l.path === path);
  }
  return line?.response_flags;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const out = await fn();
  return [out, performance.now() - started];
}

async function h2Get(path: string, headers: Record<string, string>): Promise<{ status: number; error: string | undefined }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'GET', ':path': path, ...headers });
      req.on('response', (h) => resolve({ status: Number(h[':status']), error: h['x-weft-error'] as string | undefined }));
      req.on('error', reject);
      req.end();
      req.resume();
    });
  } finally {
    session.close();
  }
}

test('route timeout: 504 upstream-timeout at the timeout, flag UT; timeout 0 waits for the upstream', async () => {
  const [res, ms] = await timed(() => request(port, '/timeout'));
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-weft-error'], 'upstream-timeout');
  assert.ok(ms >= 150 && ms < 550, `answered at the timeout (${ms} ms)`);
  assert.equal(await flagsFor('/timeout'), 'UT');
  const [slowRes, slowMs] = await timed(() => request(port, '/no-timeout'));
  assert.equal(slowRes.status, 200);
  assert.ok(slowMs >= 600, `waited for the upstream (${slowMs} ms)`);
});

test('idle_timeout: a request on which nothing moves ends in 504, flag SI', async () => {
  const [res, ms] = await timed(() => request(port, '/idle'));
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-weft-error'], 'upstream-timeout');
  assert.ok(ms >= 150 && ms < 550, `${ms} ms`);
  assert.equal(await flagsFor('/idle'), 'SI');
});

test('idle_timeout restarts whenever a byte moves: a slow but steady response completes; one that stalls is reset', async () => {
  slow.script(drip(40, 8));
  const [res, ms] = await timed(() => request(port, '/idle/steady'));
  assert.equal(res.status, 200);
  assert.equal(res.body.split('\n').filter(Boolean).length, 8);
  assert.ok(ms >= 300, `outlived the 150 ms idle timeout by staying busy (${ms} ms)`);
  slow.script(drip(400, 2));
  await assert.rejects(request(port, '/idle/stalls'), 'the response had begun: the connection is closed');
  assert.equal(await flagsFor('/idle/stalls'), 'SI');
});

test('max_stream_duration ends the request at its age limit', async () => {
  const [res, ms] = await timed(() => request(port, '/duration'));
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-weft-error'], 'upstream-timeout');
  assert.ok(ms >= 150 && ms < 550, `${ms} ms`);
  assert.equal(await flagsFor('/duration'), 'UT');
});

test('grpc-timeout is honoured, capped by grpc_timeout_header_max, less grpc_timeout_header_offset', async () => {
  const [own, ownMs] = await timed(() => h2Get('/grpc', { 'grpc-timeout': '150m', 'content-type': 'application/grpc' }));
  assert.deepEqual(own, { status: 504, error: 'upstream-timeout' });
  assert.ok(ownMs >= 150 && ownMs < 550, `the header's 150 ms (${ownMs} ms)`);
  const [capped, cappedMs] = await timed(() => h2Get('/grpc-capped', { 'grpc-timeout': '10S' }));
  assert.equal(capped.status, 504);
  assert.ok(cappedMs >= 100 && cappedMs < 500, `capped at 100 ms (${cappedMs} ms)`);
  const [offset, offsetMs] = await timed(() => h2Get('/grpc-offset', { 'grpc-timeout': '350m' }));
  assert.equal(offset.status, 504);
  assert.ok(offsetMs >= 150 && offsetMs < 550, `350 ms less 200 ms (${offsetMs} ms)`);
  const [bad, badMs] = await timed(() => h2Get('/grpc', { 'grpc-timeout': 'soon' }));
  assert.equal(bad.status, 200, 'a malformed grpc-timeout is ignored');
  assert.ok(badMs >= 600);
  assert.equal((await timed(() => request(port, '/grpc', { headers: { 'grpc-timeout': '50m' } })))[0].status, 200, 'HTTP/1.1 carries no gRPC');
});

test('a grpc-js client deadline reaches the upstream through the proxy: the call is cancelled there', async () => {
  grpcCancelled = 0;
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  try {
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.unary('x', new grpc.Metadata(), { deadline: Date.now() + 200 }, (e: grpc.ServiceError | null) => resolve(e)));
    assert.ok(err !== null && (err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.UNAVAILABLE), `got ${err?.code}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(grpcCancelled, 1, 'the upstream call was cancelled long before its 1 s answer');
  } finally {
    client.close();
  }
});
