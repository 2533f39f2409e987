// Route retry_policy against real upstreams that fail on command: each retry_on condition, the
// previous-hosts predicate, per-try timeouts, replay safety and the body buffer, the access log's
// attempts and flags, and the retry counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { deadPort, delay, reset, startScriptedUpstream, status, type ScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { H2_OPTIONS, simple, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { ECHO_SERVICE, EchoClient } from '../helpers/grpc.ts';

let a: ScriptedUpstream;
let b: ScriptedUpstream;
let c: ScriptedUpstream;
let grpcServer: grpc.Server;
let refuser: http2.Http2Server;
let refused = 0;
let served: string[] = [];
let grpcPort: number;
let grpcCalls = 0;
let proxy: RunningProxy;
let port: number;

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];
const FAST = { base_interval: '0.002s', max_interval: '0.010s' };
const retry = (policy: Record<string, unknown>) => ({ retry_back_off: FAST, ...policy });

before(async () => {
  [a, b, c] = await Promise.all([startScriptedUpstream('a'), startScriptedUpstream('b'), startScriptedUpstream('c')]);
  const dead = await deadPort();
  // A gRPC service that answers UNAVAILABLE to every other call (the odd ones).
  grpcServer = new grpc.Server();
  grpcServer.addService(ECHO_SERVICE, {
    unary: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => {
      grpcCalls++;
      if (grpcCalls % 2 === 1) cb({ code: grpc.status.UNAVAILABLE, details: 'try again' });
      else cb(null, `ok:${call.request}`);
    },
    serverStream: () => {},
    bidi: () => {},
  });
  grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  // An HTTP/2 upstream that refuses every other stream (REFUSED_STREAM) and echoes the body of the rest.
  refuser = http2.createServer();
  refuser.on('stream', (stream) => {
    stream.on('error', () => {}); // a refused stream reports its own reset
    if (++refused % 2 === 1) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    let body = '';
    stream.on('data', (d: Buffer) => { body += d.toString(); });
    stream.on('end', () => {
      served.push(body);
      stream.respond({ ':status': 200 });
      stream.end('done');
    });
  });
  await new Promise<void>((r) => refuser.listen(0, '127.0.0.1', r));
  const refuserPort = (refuser.address() as import('node:net').AddressInfo).port;
  proxy = await startProxy(simple([
    { match: { prefix: '/refused' }, route: { cluster: 'refuser', retry_policy: retry({ retry_on: 'refused-stream' }) } },
    { match: { prefix: '/5xx' }, route: { cluster: 'ab', retry_policy: retry({ retry_on: '5xx', num_retries: 2, retry_host_predicate: PREVIOUS_HOSTS }) } },
    { match: { prefix: '/exhaust' }, route: { cluster: 'a', retry_policy: retry({ retry_on: 'gateway-error', num_retries: 2 }) } },
    { match: { prefix: '/codes' }, route: { cluster: 'a', retry_policy: retry({ retry_on: 'retriable-status-codes', retriable_status_codes: [418] }) } },
    { match: { prefix: '/reset' }, route: { cluster: 'a', retry_policy: retry({ retry_on: 'reset' }) } },
    { match: { prefix: '/connect' }, route: { cluster: 'dead-then-c', retry_policy: retry({ retry_on: 'connect-failure', retry_host_predicate: PREVIOUS_HOSTS }) } },
    { match: { prefix: '/post-connect' }, route: { cluster: 'dead-then-b', retry_policy: retry({ retry_on: '5xx', retry_host_predicate: PREVIOUS_HOSTS }) } },
    { match: { prefix: '/per-try' }, route: { cluster: 'ab', timeout: '5s', retry_policy: retry({ retry_on: '5xx', per_try_timeout: '0.2s', retry_host_predicate: PREVIOUS_HOSTS }) } },
    { match: { prefix: '/small-buffer' }, route: { cluster: 'a', retry_policy: retry({ retry_on: '5xx' }) }, per_request_buffer_limit_bytes: 1024 },
    { match: { prefix: '/unsafe' }, route: { cluster: 'a', retry_policy: retry({
      retry_on: '5xx',
      retry_options_predicates: [{ name: 'weft.retry_non_idempotent', typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/weft.retry.v1.RetryNonIdempotent' } }],
    }) } },
    { match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc', retry_policy: retry({ retry_on: 'unavailable' }) } },
    { match: { prefix: '/' }, route: { cluster: 'a' } },
  ], [
    staticCluster('a', [a.port]),
    firstThenSecond('ab', a.port, b.port),
    firstThenSecond('dead-then-c', dead, c.port),
    firstThenSecond('dead-then-b', dead, b.port),
    staticCluster('grpc', [grpcPort], H2_OPTIONS),
    staticCluster('refuser', [refuserPort], H2_OPTIONS),
  ]));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  grpcServer?.forceShutdown();
  refuser?.close();
});


/**
 * A cluster whose first try goes to `first` and whose retry (previous hosts) goes to `second`:
 * smooth weighted round robin at 1000:1 picks `first` for the first ~500 requests, deterministically.
 */
function firstThenSecond(name: string, first: number, second: number): Record<string, unknown> {
  const endpoint = (port: number, weight: number) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, load_balancing_weight: weight });
  return {
    ...staticCluster(name, []),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [endpoint(first, 1000), endpoint(second, 1)] }] },
  };
}

function clear(): void {
  for (const u of [a, b, c]) u.forget();
}

async function logFor(path: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 40 && line === undefined; i++) {
    await new Promise((r) => setTimeout(r, 25));
    line = proxy.accessLog().findLast((l) => l.path === path);
  }
  assert.ok(line, `an access-log line for ${path}`);
  return line;
}

test('5xx: a 503 is retried on the other host (previous_hosts) and the client sees only the success', async () => {
  clear();
  a.standing = status(503);
  b.standing = status(503);
  a.script(status(503));
  b.script(status(200));
  const res = await request(port, '/5xx/one');
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-upstream'], 'b');
  assert.equal(a.requests.length, 1);
  assert.equal(b.requests.length, 1);
  const line = await logFor('/5xx/one');
  assert.equal(line.attempts, 2, 'the second attempt answered');
  assert.equal(line.upstream_host, `127.0.0.1:${b.port}`);
  assert.equal(line.response_flags, '-');
});

test('retries run out: the last upstream answer is passed on with flag URX', async () => {
  clear();
  a.standing = status(503);
  const res = await request(port, '/exhaust');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-upstream'], 'a', "the upstream's own 503, not a proxy reply");
  assert.equal(a.requests.length, 3, 'the first try and num_retries 2');
  const line = await logFor('/exhaust');
  assert.equal(line.attempts, 3);
  assert.equal(line.response_flags, 'URX');
});

test('retriable-status-codes retries a listed code and passes others through', async () => {
  clear();
  a.script(status(418), status(200));
  assert.equal((await request(port, '/codes/a')).status, 200);
  assert.equal(a.requests.length, 2);
  a.script(status(503));
  assert.equal((await request(port, '/codes/b')).status, 503, '503 is not listed');
  assert.equal(a.requests.length, 3);
});

test('reset: an upstream that hangs up without answering is retried', async () => {
  // (On a reused keep-alive connection the pool itself replays a bodiless GET once; either way the
  // client sees the second answer.)
  clear();
  a.script(reset, status(200));
  const res = await request(port, '/reset');
  assert.equal(res.status, 200);
  assert.equal(a.requests.length, 2);
  a.script(status(503));
  assert.equal((await request(port, '/reset/503')).status, 503, 'reset does not retry a response');
});

test('connect-failure: a dead endpoint is retried on a live one', async () => {
  clear();
  const res = await request(port, '/connect');
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-upstream'], 'c');
  const line = await logFor('/connect');
  assert.equal(line.attempts, 2);
  assert.equal(line.upstream_host, `127.0.0.1:${c.port}`);
});

test('a POST whose bytes never left the proxy (connect failure) is retried', async () => {
  clear();
  const res = await request(port, '/post-connect', { method: 'POST', body: 'order=1' });
  assert.equal(res.status, 200);
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].body, 'order=1');
});

test('a POST whose bytes reached the upstream is never sent twice', async () => {
  clear();
  a.script(reset);
  const res = await request(port, '/reset/post', { method: 'POST', body: 'charge=10' });
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-weft-error'], 'upstream-reset');
  a.script(status(503));
  assert.equal((await request(port, '/exhaust/post', { method: 'POST', body: 'charge=10' })).status, 503);
  assert.equal(a.requests.length, 2, 'one execution per POST');
  assert.equal((await logFor('/exhaust/post')).attempts, 1);
});

test('RetryNonIdempotent (Weft extension) lets a POST be retried like any method, with its body', async () => {
  clear();
  a.script(status(503), status(200));
  const res = await request(port, '/unsafe', { method: 'POST', body: 'x'.repeat(3000) });
  assert.equal(res.status, 200);
  assert.equal(a.requests.length, 2);
  assert.equal(a.requests[1].body, 'x'.repeat(3000), 'the body is replayed whole');
});

test('the body buffer: a body within per_request_buffer_limit_bytes is replayed, a larger one is not retried', async () => {
  clear();
  a.script(status(503), status(200));
  const small = 'y'.repeat(1000);
  assert.equal((await request(port, '/small-buffer/put', { method: 'PUT', body: small })).status, 200);
  assert.deepEqual(a.requests.map((r) => r.body), [small, small]);
  a.script(status(503), status(200));
  const large = 'z'.repeat(2000);
  assert.equal((await request(port, '/small-buffer/big', { method: 'PUT', body: large })).status, 503, 'not retried');
  assert.equal(a.requests.length, 3);
  // The same without Content-Length (chunked): the buffer notices as the body streams.
  a.forget();
  a.script(status(503), status(200));
  const chunked = await request(port, '/small-buffer/chunked', { method: 'PUT', body: large, headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(chunked.status, 503);
  assert.equal(a.requests.length, 1);
});

test('a body that arrived in several reads is replayed intact (the retry buffer keeps its own bytes, not views of a reused read buffer)', async () => {
  clear();
  a.script(status(503), status(200));
  const parts = ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(300)];
  const body = parts.join('');
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(`PUT /small-buffer/reads HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`);
  // Each part in its own read; the last one lands after the proxy has read (and reused) its buffer twice.
  for (const part of parts) {
    await new Promise((r) => setTimeout(r, 30));
    socket.write(part);
  }
  let answer = '';
  socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
  await eventually(() => answer.includes('\r\n\r\n'), 5000, 'the response');
  socket.destroy();
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.deepEqual(a.requests.map((r) => r.body), [body, body], 'both attempts carried the same bytes');
});

test('per_try_timeout: a slow host is abandoned and the retry goes to the other one', async () => {
  clear();
  a.standing = delay(2000);
  b.standing = delay(2000);
  a.script(delay(2000));
  b.script(status(200));
  const started = Date.now();
  const res = await request(port, '/per-try');
  const took = Date.now() - started;
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-upstream'], 'b');
  assert.ok(took >= 200 && took < 1500, `answered after the 200 ms per-try timeout, not the slow host (${took} ms)`);
  const line = await logFor('/per-try');
  assert.equal(line.attempts, 2);
});

test('per_try_timeout with no retry left ends in 504 upstream-timeout, flag UT', async () => {
  clear();
  a.standing = delay(2000);
  b.standing = delay(2000);
  const res = await request(port, '/per-try/both-slow');
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-weft-error'], 'upstream-timeout');
  const line = await logFor('/per-try/both-slow');
  assert.equal(line.attempts, 2);
  assert.equal(line.response_flags, 'UT,URX');
});

test('gRPC unavailable (grpc-status in a trailers-only response) is retried against a real grpc-js server', async () => {
  grpcCalls = 0;
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  try {
    const reply = await new Promise<string>((resolve, reject) => client.unary('hi', (err: Error | null, r: string) => (err ? reject(err) : resolve(r))));
    assert.equal(reply, 'ok:hi');
    assert.equal(grpcCalls, 2);
  } finally {
    client.close();
  }
  const line = await logFor('/test.Echo/Unary');
  assert.equal(line.attempts, 2);
});

test('refused-stream: a stream the HTTP/2 upstream refused is retried, even a POST (it was not processed)', async () => {
  refused = 0;
  served = [];
  const res = await request(port, '/refused', { method: 'POST', body: 'pay=5' });
  assert.equal(res.status, 200);
  assert.equal(refused, 2, 'refused once, then served');
  assert.deepEqual(served, ['pay=5']);
  assert.equal((await logFor('/refused')).attempts, 2);
});

test('HTTP/2 client, retried request keeps its body and trailers-free framing', async () => {
  clear();
  a.script(status(503), status(200));
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':method': 'PUT', ':path': '/unsafe/h2' });
      let body = '';
      let code = 0;
      req.on('response', (h) => { code = Number(h[':status']); });
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => resolve({ status: code, body }));
      req.on('error', reject);
      req.end('from-h2');
    });
    assert.equal(res.status, 200);
    assert.deepEqual(a.requests.map((r) => r.body), ['from-h2', 'from-h2']);
  } finally {
    session.close();
  }
});

test('retries are counted on /stats/prometheus by cluster and reason', async () => {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  assert.match(text, /^weft_retries_total\{cluster="ab",reason="5xx"\} [1-9]\d*$/m);
  assert.match(text, /^weft_retries_total\{cluster="ab",reason="per-try-timeout"\} [1-9]\d*$/m);
  assert.match(text, /^weft_retries_total\{cluster="dead-then-c",reason="connect-failure"\} 1$/m);
  assert.match(text, /^weft_retries_total\{cluster="grpc",reason="grpc-unavailable"\} 1$/m);
  assert.match(text, /^weft_retries_total\{cluster="refuser",reason="refused-stream"\} 1$/m);
  assert.match(text, /^weft_retry_overflow_total\{cluster="a"\} 0$/m);
});
