// envoy.filters.http.fault end to end: a real proxy, real HTTP and gRPC upstreams, and real
// clients. Fixed and percentage aborts, header-controlled faults, measured delays, per-route and
// per-virtual-host overrides, and gRPC aborts as a @grpc/grpc-js client sees them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { startProxy, eventually, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { bootstrap, httpListener, H2_OPTIONS, ROUTER, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { EchoClient, startGrpcServer } from '../helpers/grpc.ts';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
const ALL = { numerator: 100 };
const fault = (body: Record<string, unknown>) => ({ 'envoy.filters.http.fault': { '@type': FAULT, ...body } });

let echo: EchoServer;
let grpcServer: { port: number; close(): Promise<void> };
let proxy: RunningProxy;
let port: number;

before(async () => {
  echo = await startEchoServer('echo');
  grpcServer = await startGrpcServer('g1');
  const routeConfig = {
    name: 'local',
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['vh.example'],
        // Every route of this host aborts 418 …
        typed_per_filter_config: fault({ abort: { http_status: 418, percentage: ALL } }),
        routes: [
          // … except this one, whose own (empty) HTTPFault replaces the virtual host's.
          { name: 'vh-quiet', match: { prefix: '/quiet' }, route: { cluster: 'echo' }, typed_per_filter_config: fault({}) },
          { name: 'vh-default', match: { prefix: '/' }, route: { cluster: 'echo' } },
        ],
      },
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { name: 'abort-all', match: { prefix: '/abort-all' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ abort: { http_status: 503, percentage: ALL } }) },
          { name: 'abort-half', match: { prefix: '/abort-half' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ abort: { http_status: 500, percentage: { numerator: 5000, denominator: 'TEN_THOUSAND' } } }) },
          { name: 'delay', match: { prefix: '/delay' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ delay: { fixed_delay: '0.300s', percentage: ALL } }) },
          { name: 'delay-abort', match: { prefix: '/late-abort' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ delay: { fixed_delay: '0.150s', percentage: ALL }, abort: { http_status: 502, percentage: ALL } }) },
          { name: 'limited', match: { prefix: '/limited' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ delay: { fixed_delay: '0.400s', percentage: ALL }, max_active_faults: 1 }) },
          { name: 'matched', match: { prefix: '/matched' }, route: { cluster: 'echo' },
            typed_per_filter_config: fault({ abort: { http_status: 451, percentage: ALL }, headers: [{ name: 'x-chaos', string_match: { exact: 'on' } }] }) },
          { name: 'off', match: { prefix: '/off' }, route: { cluster: 'echo' },
            typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FILTER_CONFIG, disabled: true } } },
          { name: 'grpc-fixed', match: { prefix: '/test.Echo/', headers: [{ name: 'x-fixed', string_match: { exact: 'yes' } }] }, route: { cluster: 'grpc' },
            typed_per_filter_config: fault({ abort: { grpc_status: 14, percentage: ALL } }) },
          { name: 'grpc', match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc' } },
          { name: 'default', match: { prefix: '/' }, route: { cluster: 'echo' } },
        ],
      },
    ],
  };
  // The listener's own config: faults the client asks for in headers (Envoy's x-envoy-fault-*).
  const listenerFault = {
    name: 'envoy.filters.http.fault',
    typed_config: { '@type': FAULT, abort: { header_abort: {}, percentage: ALL }, delay: { header_delay: {}, percentage: ALL } },
  };
  proxy = await startProxy(bootstrap(
    [httpListener('main', routeConfig, { http_filters: [listenerFault, ROUTER] })],
    [staticCluster('echo', [echo.port]), staticCluster('grpc', [grpcServer.port], H2_OPTIONS)],
  ));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  await grpcServer?.close();
});

function logOf(path: string): Record<string, unknown> | undefined {
  return proxy.accessLog().filter((l) => l.path === path).at(-1);
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await f();
  return { value, ms: performance.now() - start };
}

test('a 100 % abort answers with its status, x-weft-error: fault-injected and flag FI; the upstream sees nothing', async () => {
  const before = echo.requests.length;
  for (let i = 0; i < 5; i++) {
    const res = await request(port, `/abort-all/${i}`);
    assert.equal(res.status, 503);
    assert.equal(res.headers['x-weft-error'], 'fault-injected');
    assert.equal(res.body, 'fault filter abort');
  }
  assert.equal(echo.requests.length, before);
  await eventually(() => logOf('/abort-all/4') !== undefined, 2000, 'access log line');
  assert.equal(logOf('/abort-all/4')!.response_flags, 'FI');
  assert.equal(logOf('/abort-all/4')!.weft_error, 'fault-injected');
});

test('a 50 % abort (5000 / TEN_THOUSAND) aborts about half of 400 requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let aborted = 0;
  const batch = async (from: number) => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => request(port, `/abort-half/${from + i}`, { agent })));
    for (const r of results) {
      if (r.status === 500) aborted++;
      else assert.equal(r.status, 200);
    }
  };
  for (let i = 0; i < 8; i++) await batch(i * 50);
  agent.destroy();
  // Binomial(400, 0.5): mean 200, sd 10 — the bounds are 7 sd away (a false failure ≈ 1e-11).
  assert.ok(aborted > 130 && aborted < 270, `aborted ${aborted} of 400`);
});

test('a fixed delay holds the request at least that long, then the upstream answers; flag DI', async () => {
  const { value: res, ms } = await timed(() => request(port, '/delay/get'));
  assert.equal(res.status, 200);
  assert.equal(res.json().server, 'echo');
  assert.ok(ms >= 300, `answered after ${ms.toFixed(1)} ms`);
  await eventually(() => logOf('/delay/get') !== undefined, 2000, 'access log line');
  assert.equal(logOf('/delay/get')!.response_flags, 'DI');
});

test('a delayed request keeps its body: the upstream receives every byte after the delay', async () => {
  const body = 'x'.repeat(100_000);
  const { value: res, ms } = await timed(() => request(port, '/delay/post', { method: 'POST', body, headers: { 'content-type': 'text/plain' } }));
  assert.equal(res.status, 200);
  assert.equal(res.json<{ body: string }>().body, body);
  assert.ok(ms >= 300);
});

test('a delay followed by an abort: both happen, flags DI,FI', async () => {
  const { value: res, ms } = await timed(() => request(port, '/late-abort'));
  assert.equal(res.status, 502);
  assert.equal(res.headers['x-weft-error'], 'fault-injected');
  assert.ok(ms >= 150);
  await eventually(() => logOf('/late-abort') !== undefined, 2000, 'access log line');
  assert.equal(logOf('/late-abort')!.response_flags, 'DI,FI');
});

test('a client that leaves during a delay: the upstream never sees the request, the log says DC', async () => {
  const before = echo.requests.length;
  await new Promise<void>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/delay/gone', agent: false });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => { req.destroy(); resolve(); }, 50);
  });
  await eventually(() => logOf('/delay/gone') !== undefined, 2000, 'access log line');
  assert.equal(logOf('/delay/gone')!.response_flags, 'DI,DC');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(echo.requests.length, before);
});

test('max_active_faults: with one delay in progress, concurrent requests are not delayed', async () => {
  const results = await Promise.all([0, 1, 2].map((i) => timed(() => request(port, `/limited/${i}`))));
  for (const r of results) assert.equal(r.value.status, 200);
  const delayed = results.filter((r) => r.ms >= 400).length;
  assert.equal(delayed, 1, `delays: ${results.map((r) => r.ms.toFixed(0)).join(', ')} ms`);
});

test('headers match: the fault applies only to requests that match', async () => {
  assert.equal((await request(port, '/matched', { headers: { 'x-chaos': 'on' } })).status, 451);
  assert.equal((await request(port, '/matched', { headers: { 'x-chaos': 'off' } })).status, 200);
  assert.equal((await request(port, '/matched')).status, 200);
});

test('header-controlled abort (x-envoy-fault-abort-request) and its percentage header', async () => {
  const res = await request(port, '/h', { headers: { 'x-envoy-fault-abort-request': '429' } });
  assert.equal(res.status, 429);
  assert.equal(res.headers['x-weft-error'], 'fault-injected');
  // The percentage header can only lower the configured 100 %: 0 means never.
  const spared = await request(port, '/h', { headers: { 'x-envoy-fault-abort-request': '429', 'x-envoy-fault-abort-request-percentage': '0' } });
  assert.equal(spared.status, 200);
  // Outside [200, 600) the header is ignored, as in Envoy.
  assert.equal((await request(port, '/h', { headers: { 'x-envoy-fault-abort-request': '700' } })).status, 200);
  assert.equal((await request(port, '/h')).status, 200);
});

test('header-controlled delay (x-envoy-fault-delay-request, ms) is measured; percentage 0 skips it', async () => {
  const { value: res, ms } = await timed(() => request(port, '/hd', { headers: { 'x-envoy-fault-delay-request': '250' } }));
  assert.equal(res.status, 200);
  assert.ok(ms >= 250, `answered after ${ms.toFixed(1)} ms`);
  const quick = await timed(() => request(port, '/hd', { headers: { 'x-envoy-fault-delay-request': '5000', 'x-envoy-fault-delay-request-percentage': '0' } }));
  assert.equal(quick.value.status, 200);
  assert.ok(quick.ms < 1000);
});

test('FilterConfig disabled: true turns the listener filter off for a route', async () => {
  const res = await request(port, '/off', { headers: { 'x-envoy-fault-abort-request': '500' } });
  assert.equal(res.status, 200);
  assert.equal(res.json().server, 'echo');
});

test('virtual-host override applies to its routes; a route\'s own config replaces it', async () => {
  const res = await request(port, '/anything', { headers: { host: 'vh.example' } });
  assert.equal(res.status, 418);
  const quiet = await request(port, '/quiet', { headers: { host: 'vh.example' } });
  assert.equal(quiet.status, 200);
  // The route's HTTPFault replaced the listener's too: header-controlled faults are off there.
  assert.equal((await request(port, '/quiet', { headers: { host: 'vh.example', 'x-envoy-fault-abort-request': '500' } })).status, 200);
});

function grpcClient(): grpc.Client & Record<string, Function> {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
}

function unary(client: grpc.Client & Record<string, Function>, md: grpc.Metadata): Promise<{ err: grpc.ServiceError | null; value?: string }> {
  return new Promise((resolve) => client.unary('hi', md, (err: grpc.ServiceError | null, value: string) => resolve({ err, value })));
}

test('gRPC: a grpc_status abort reaches a @grpc/grpc-js client as that status code (trailers-only, HTTP 200)', async () => {
  const client = grpcClient();
  const fixed = new grpc.Metadata();
  fixed.set('x-fixed', 'yes');
  const { err } = await unary(client, fixed);
  assert.equal(err?.code, grpc.status.UNAVAILABLE);
  assert.equal(err?.details, 'fault filter abort');
  // Without the fault the real server answers through the same route table.
  const ok = await unary(client, new grpc.Metadata());
  assert.equal(ok.err, null);
  assert.equal(ok.value, 'g1:hi:');
  // Header-controlled: x-envoy-fault-abort-grpc-request.
  const asked = new grpc.Metadata();
  asked.set('x-envoy-fault-abort-grpc-request', '8');
  assert.equal((await unary(client, asked)).err?.code, grpc.status.RESOURCE_EXHAUSTED);
  // An HTTP status abort on a gRPC request is answered in gRPC too, mapped as Envoy maps it (503 → UNAVAILABLE).
  const httpAbort = new grpc.Metadata();
  httpAbort.set('x-envoy-fault-abort-request', '503');
  assert.equal((await unary(client, httpAbort)).err?.code, grpc.status.UNAVAILABLE);
  client.close();
  await eventually(() => proxy.accessLog().some((l) => l.route_name === 'grpc-fixed'), 2000, 'access log line');
  const line = proxy.accessLog().find((l) => l.route_name === 'grpc-fixed')!;
  assert.equal(line.response_code, 200);
  assert.equal(line.response_flags, 'FI');
});

test('gRPC over HTTP/2: a header-controlled delay holds the call (its request body kept), then the server answers', async () => {
  const client = grpcClient();
  const md = new grpc.Metadata();
  md.set('x-envoy-fault-delay-request', '200');
  const { value: res, ms } = await timed(() => unary(client, md));
  assert.equal(res.err, null);
  assert.equal(res.value, 'g1:hi:');
  assert.ok(ms >= 200, `answered after ${ms.toFixed(1)} ms`);
  client.close();
});

test('/stats/prometheus counts injected faults by listener, route and kind', async () => {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  const value = (route: string, kind: string): number => {
    const m = new RegExp(`^weft_fault_injected_total\\{kind="${kind}",listener="main",route="${route}"\\} (\\d+)$`, 'm').exec(text);
    return m === null ? -1 : Number(m[1]);
  };
  assert.match(text, /# TYPE weft_fault_injected_total counter/);
  assert.equal(value('abort-all', 'abort'), 5);
  assert.equal(value('delay-abort', 'delay'), 1);
  assert.equal(value('delay-abort', 'abort'), 1);
  assert.equal(value('vh-default', 'abort'), 1);
  assert.ok(value('delay', 'delay') >= 3);
});
