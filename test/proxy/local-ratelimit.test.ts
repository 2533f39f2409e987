// envoy.filters.http.local_ratelimit end to end: token buckets per listener, virtual host and
// route, 429 with flag RL once a bucket is empty, refill after fill_interval, enforcement
// fractions, and gRPC clients seeing the limit as a status code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startProxy, eventually, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { bootstrap, httpListener, H2_OPTIONS, ROUTER, staticCluster } from '../helpers/bootstrap.ts';
import { request, type ClientResponse } from '../helpers/client.ts';
import { EchoClient, startGrpcServer } from '../helpers/grpc.ts';

const LRL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
const ALL = { default_value: { numerator: 100 } };
const NAME = 'envoy.filters.http.local_ratelimit';

function limit(bucket: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { [NAME]: { '@type': LRL, stat_prefix: 'rl', token_bucket: bucket, filter_enabled: ALL, filter_enforced: ALL, ...extra } };
}

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
        name: 'shared',
        domains: ['shared.example'],
        // One bucket for the virtual host: its routes draw from it together.
        typed_per_filter_config: limit({ max_tokens: 2, fill_interval: '60s' }),
        routes: [
          { name: 'shared-a', match: { prefix: '/a' }, route: { cluster: 'echo' } },
          { name: 'shared-b', match: { prefix: '/b' }, route: { cluster: 'echo' } },
        ],
      },
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { name: 'burst', match: { prefix: '/burst' }, route: { cluster: 'echo' },
            typed_per_filter_config: limit({ max_tokens: 3, fill_interval: '60s' }, {
              status: { code: 503 },
              response_headers_to_add: [{ header: { key: 'x-limited-by', value: 'burst' } }],
            }) },
          { name: 'refill', match: { prefix: '/refill' }, route: { cluster: 'echo' },
            typed_per_filter_config: limit({ max_tokens: 2, tokens_per_fill: 2, fill_interval: '0.300s' }) },
          { name: 'own-1', match: { prefix: '/own1' }, route: { cluster: 'echo' }, typed_per_filter_config: limit({ max_tokens: 1, fill_interval: '60s' }) },
          { name: 'own-2', match: { prefix: '/own2' }, route: { cluster: 'echo' }, typed_per_filter_config: limit({ max_tokens: 1, fill_interval: '60s' }) },
          { name: 'shadow', match: { prefix: '/shadow' }, route: { cluster: 'echo' },
            typed_per_filter_config: limit({ max_tokens: 1, fill_interval: '60s' }, {
              filter_enforced: { default_value: { numerator: 0 } },
              request_headers_to_add_when_not_enforced: [{ header: { key: 'x-would-be-limited', value: 'yes' } }],
            }) },
          { name: 'free', match: { prefix: '/free' }, route: { cluster: 'echo' },
            typed_per_filter_config: { [NAME]: { '@type': FILTER_CONFIG, disabled: true } } },
          { name: 'grpc', match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc' },
            typed_per_filter_config: limit({ max_tokens: 1, fill_interval: '60s' }, { rate_limited_as_resource_exhausted: true }) },
          { name: 'default', match: { prefix: '/' }, route: { cluster: 'echo' } },
        ],
      },
    ],
  };
  // The listener's bucket, for routes without their own.
  const listenerLimit = { name: NAME, typed_config: limit({ max_tokens: 4, fill_interval: '60s' })[NAME] };
  proxy = await startProxy(bootstrap(
    [httpListener('main', routeConfig, { http_filters: [listenerLimit, ROUTER] })],
    [staticCluster('echo', [echo.port]), staticCluster('grpc', [grpcServer.port], H2_OPTIONS)],
  ));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  await grpcServer?.close();
});

async function statuses(path: string, n: number, headers: Record<string, string> = {}): Promise<ClientResponse[]> {
  const out: ClientResponse[] = [];
  for (let i = 0; i < n; i++) out.push(await request(port, `${path}/${i}`, { headers }));
  return out;
}

test('once the bucket is empty: the configured status, x-weft-error, x-envoy-ratelimited, response_headers_to_add, flag RL', async () => {
  const before = echo.requests.length;
  const res = await statuses('/burst', 5);
  assert.deepEqual(res.map((r) => r.status), [200, 200, 200, 503, 503]);
  const limited = res[3];
  assert.equal(limited.headers['x-weft-error'], 'local-rate-limited');
  assert.equal(limited.headers['x-envoy-ratelimited'], 'true');
  assert.equal(limited.headers['x-limited-by'], 'burst');
  assert.equal(limited.body, 'local_rate_limited');
  assert.equal(echo.requests.length, before + 3, 'limited requests never reach the upstream');
  await eventually(() => proxy.accessLog().some((l) => l.path === '/burst/4'), 2000, 'access log line');
  const line = proxy.accessLog().find((l) => l.path === '/burst/4')!;
  assert.equal(line.response_flags, 'RL');
  assert.equal(line.weft_error, 'local-rate-limited');
});

test('the bucket refills after fill_interval (tokens_per_fill at a time)', async () => {
  // Drain it (a fill may land while we do, so keep going until the first 429).
  let drained = false;
  for (let i = 0; i < 20 && !drained; i++) drained = (await request(port, `/refill/d${i}`)).status === 429;
  assert.ok(drained, 'the bucket emptied');
  await new Promise((r) => setTimeout(r, 650)); // two fill intervals: full again, capped at max_tokens
  const res = await statuses('/refill/after', 3);
  assert.deepEqual(res.map((r) => r.status).slice(0, 2), [200, 200]);
});

test('each route config has its own bucket; a virtual host\'s config is one bucket for its routes', async () => {
  assert.deepEqual((await statuses('/own1', 2)).map((r) => r.status), [200, 429]);
  assert.deepEqual((await statuses('/own2', 2)).map((r) => r.status), [200, 429], 'own-2 was not drained by own-1');
  const host = { host: 'shared.example' };
  assert.equal((await request(port, '/a/1', { headers: host })).status, 200);
  assert.equal((await request(port, '/b/1', { headers: host })).status, 200);
  assert.equal((await request(port, '/a/2', { headers: host })).status, 429);
  assert.equal((await request(port, '/b/2', { headers: host })).status, 429);
});

test('the listener bucket serves routes without their own', async () => {
  const res = await statuses('/plain', 6);
  assert.deepEqual(res.map((r) => r.status), [200, 200, 200, 200, 429, 429]);
});

test('filter_enforced 0 %: over the limit the request passes, with request_headers_to_add_when_not_enforced', async () => {
  const [first, second] = await statuses('/shadow', 2);
  assert.equal(first.status, 200);
  assert.equal(first.json<{ headers: Record<string, string> }>().headers['x-would-be-limited'], undefined);
  assert.equal(second.status, 200);
  assert.equal(second.json<{ headers: Record<string, string> }>().headers['x-would-be-limited'], 'yes');
});

test('FilterConfig disabled: true exempts a route from the listener limit', async () => {
  const res = await statuses('/free', 8);
  assert.ok(res.every((r) => r.status === 200));
});

test('gRPC: a limited call ends with RESOURCE_EXHAUSTED (rate_limited_as_resource_exhausted)', async () => {
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const call = () => new Promise<grpc.ServiceError | null>((resolve) => client.unary('hi', (err: grpc.ServiceError | null) => resolve(err)));
  assert.equal(await call(), null);
  const err = await call();
  assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(err?.details, 'local_rate_limited');
  client.close();
});

test('/stats/prometheus counts limited requests by listener, route and enforcement', async () => {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  const value = (route: string, enforced: string): number => {
    const m = new RegExp(`^weft_local_ratelimited_total\\{enforced="${enforced}",listener="main",route="${route}"\\} (\\d+)$`, 'm').exec(text);
    return m === null ? -1 : Number(m[1]);
  };
  assert.equal(value('burst', 'true'), 2);
  assert.equal(value('shadow', 'false'), 1);
  assert.equal(value('shadow', 'true'), 0);
  assert.equal(value('default', 'true'), 2);
});
