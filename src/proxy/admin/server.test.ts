import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { startAdminServer, type AdminServer, type AdminTarget, type ClusterStatus, type ServerState } from './index.ts';
import { envoyAddress } from './envoy-format.ts';

class FakeTarget implements AdminTarget {
  currentState: ServerState = 'LIVE';
  quits = 0;
  drains: { graceful: boolean; inboundOnly: boolean }[] = [];
  failConfigDump = false;
  state(): ServerState {
    return this.currentState;
  }
  metrics(): string {
    return '# TYPE weft_up gauge\nweft_up 1\n';
  }
  configDump(): object {
    if (this.failConfigDump) throw new Error('snapshot unavailable');
    return { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', version_info: '7' }] };
  }
  clusters(): readonly ClusterStatus[] {
    return [
      {
        name: 'outbound|9080||reviews.shop.svc.cluster.local',
        lbPolicy: 'PEAK_EWMA',
        endpoints: [
          { address: '10.0.0.7:9080', healthy: true, weight: 1, activeConnections: 2, activeRequests: 1, totalRequests: 40, failedRequests: 3, ewmaMs: 12.34567 },
          { address: '[fd00::8]:9080', healthy: false, weight: 5, activeRequests: 0, totalRequests: 2, failedRequests: 2 },
        ],
      },
      { name: 'outbound|5432||db.shop.svc.cluster.local', endpoints: [] },
    ];
  }
  certs() {
    return { certificates: [] };
  }
  listeners() {
    return [
      { name: 'virtualOutbound', address: '0.0.0.0:15001' },
      { name: 'uds', address: '/var/run/weft/app.sock' },
    ];
  }
  quit(): void {
    this.quits++;
  }
  drainListeners(options: { graceful: boolean; inboundOnly: boolean }): void {
    this.drains.push(options);
  }
}

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let target: FakeTarget;
let server: AdminServer;
const get = (path: string, headers?: Record<string, string>) => call(server.port, 'GET', path, headers);
const post = (path: string, headers?: Record<string, string>) => call(server.port, 'POST', path, headers);

before(async () => {
  target = new FakeTarget();
  server = await startAdminServer(target, { host: '127.0.0.1', port: 0 });
});
after(() => server.close());

test('GET / lists every endpoint with its method and a description', async () => {
  const res = await get('/');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type']!, /^text\/plain/);
  for (const path of ['/ready', '/stats/prometheus', '/config_dump', '/clusters', '/listeners']) {
    assert.match(res.body, new RegExp(`^  GET  ${path} +\\S`, 'm'));
  }
  assert.match(res.body, /^ {2}POST \/quitquitquit +exit/m);
  assert.match(res.body, /^ {2}POST \/drain_listeners +\S/m);
});

test('/ready answers 200 LIVE, otherwise 503 with the state', async () => {
  assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [200, 'LIVE\n']);
  for (const state of ['DRAINING', 'PRE_INITIALIZING'] as const) {
    target.currentState = state;
    assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [503, `${state}\n`]);
  }
  target.currentState = 'LIVE';
  const head = await call(server.port, 'HEAD', '/ready');
  assert.deepEqual([head.status, head.body], [200, '']);
});

test('/stats/prometheus serves the metrics text with the exposition content type', async () => {
  const res = await get('/stats/prometheus');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(res.body, target.metrics());
});

test('/config_dump is pretty-printed JSON; unimplemented filters are refused, include_eds is accepted', async () => {
  const res = await get('/config_dump');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.body, `${JSON.stringify(target.configDump(), null, 2)}\n`);
  assert.equal((await get('/config_dump?include_eds')).status, 200);
  const filtered = await get('/config_dump?resource=dynamic_active_clusters');
  assert.equal(filtered.status, 400);
  assert.match(filtered.body, /unsupported query parameter resource/);
});

test('/clusters in Envoy text format', async () => {
  const res = await get('/clusters');
  assert.equal(res.status, 200);
  const r = 'outbound|9080||reviews.shop.svc.cluster.local';
  assert.equal(
    res.body,
    [
      `${r}::observability_name::${r}`,
      `${r}::lb_policy::PEAK_EWMA`,
      `${r}::10.0.0.7:9080::cx_active::2`,
      `${r}::10.0.0.7:9080::rq_active::1`,
      `${r}::10.0.0.7:9080::rq_error::3`,
      `${r}::10.0.0.7:9080::rq_total::40`,
      `${r}::10.0.0.7:9080::health_flags::healthy`,
      `${r}::10.0.0.7:9080::weight::1`,
      `${r}::10.0.0.7:9080::ewma_ms::12.346`,
      `${r}::[fd00::8]:9080::rq_active::0`,
      `${r}::[fd00::8]:9080::rq_error::2`,
      `${r}::[fd00::8]:9080::rq_total::2`,
      `${r}::[fd00::8]:9080::health_flags::/failed_eds_health`,
      `${r}::[fd00::8]:9080::weight::5`,
      'outbound|5432||db.shop.svc.cluster.local::observability_name::outbound|5432||db.shop.svc.cluster.local',
      '',
    ].join('\n'),
  );
});

test('/clusters?format=json in the admin.v3.Clusters shape', async () => {
  const res = await get('/clusters?format=json');
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body);
  assert.equal(body.cluster_statuses.length, 2);
  const [healthy, unhealthy] = body.cluster_statuses[0].host_statuses;
  assert.deepEqual(healthy, {
    address: { socket_address: { address: '10.0.0.7', port_value: 9080 } },
    stats: [
      { name: 'rq_error', type: 'COUNTER', value: '3' },
      { name: 'rq_total', type: 'COUNTER', value: '40' },
      { name: 'rq_active', type: 'GAUGE', value: '1' },
      { name: 'cx_active', type: 'GAUGE', value: '2' },
      { name: 'ewma_ms', type: 'GAUGE', value: '12.346' },
    ],
    health_status: { eds_health_status: 'HEALTHY' },
    weight: 1,
  });
  assert.deepEqual(unhealthy.address, { socket_address: { address: 'fd00::8', port_value: 9080 } });
  assert.equal(unhealthy.health_status.eds_health_status, 'UNHEALTHY');
  assert.deepEqual(body.cluster_statuses[1].host_statuses, []);
  assert.equal((await get('/clusters?format=yaml')).status, 400);
});

test('/listeners as name::address text and as admin.v3.Listeners JSON', async () => {
  const res = await get('/listeners');
  assert.equal(res.body, 'virtualOutbound::0.0.0.0:15001\nuds::/var/run/weft/app.sock\n');
  const json = JSON.parse((await get('/listeners?format=json')).body);
  assert.deepEqual(json, {
    listener_statuses: [
      { name: 'virtualOutbound', local_address: { socket_address: { address: '0.0.0.0', port_value: 15001 } } },
      { name: 'uds', local_address: { pipe: { path: '/var/run/weft/app.sock' } } },
    ],
  });
});

test('POST /quitquitquit answers OK and then quits; GET is 405 as in Envoy', async () => {
  const refused = await get('/quitquitquit');
  assert.equal(refused.status, 405);
  assert.equal(refused.headers.allow, 'POST');
  assert.equal(refused.body, 'Method GET not allowed, POST required.\n');
  assert.equal(target.quits, 0);
  const res = await post('/quitquitquit');
  assert.deepEqual([res.status, res.body], [200, 'OK\n']);
  // quit() runs on the server's 'finish', which may trail the client's read by a tick.
  for (let i = 0; i < 50 && target.quits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.equal(target.quits, 1);
});

test('POST /drain_listeners passes graceful and inboundonly; GET is 405; unknown flags are 400', async () => {
  target.drains = [];
  assert.equal((await get('/drain_listeners?graceful')).status, 405);
  assert.equal((await post('/drain_listeners')).status, 200);
  assert.equal((await post('/drain_listeners?graceful&inboundonly')).body, 'OK\n');
  assert.equal((await post('/drain_listeners?inboundonly')).status, 200);
  assert.equal((await post('/drain_listeners?skip_exit')).status, 400);
  assert.deepEqual(target.drains, [
    { graceful: false, inboundOnly: false },
    { graceful: true, inboundOnly: true },
    { graceful: false, inboundOnly: true },
  ]);
});

test('read-only endpoints refuse other methods; unknown paths are 404 with the endpoint list', async () => {
  const res = await post('/ready');
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'GET, HEAD');
  const missing = await get('/stats');
  assert.equal(missing.status, 404);
  assert.match(missing.body, /^invalid path\. admin commands are:\n/);
  assert.match(missing.body, /\/stats\/prometheus/);
  assert.equal((await get('//quitquitquit')).status, 404, 'a path, not an authority');
});

test('a failing engine call becomes a 500 with its message; the server keeps serving', async () => {
  target.failConfigDump = true;
  const res = await get('/config_dump');
  target.failConfigDump = false;
  assert.equal(res.status, 500);
  assert.equal(res.body, 'WEFT_INTERNAL: snapshot unavailable\n');
  assert.equal((await get('/ready')).status, 200);
});

test('browser-borne requests are refused: non-loopback Host (DNS rebinding) and cross-origin POST (CSRF)', async () => {
  const quits = target.quits;
  assert.equal((await get('/config_dump', { host: `evil.example:${server.port}` })).status, 403);
  assert.equal((await post('/quitquitquit', { origin: 'https://evil.example' })).status, 403);
  assert.equal((await post('/quitquitquit', { origin: 'null' })).status, 403);
  assert.equal(target.quits, quits, 'nothing was triggered');
  assert.equal((await get('/ready', { host: `localhost:${server.port}` })).status, 200);
  assert.equal((await get('/ready', { host: `[::1]:${server.port}` })).status, 200);
  assert.equal((await post('/drain_listeners', { origin: `http://127.0.0.1:${server.port}` })).status, 200);
});

test('binding a non-loopback address is refused unless allowNonLoopback is passed', async () => {
  for (const host of ['0.0.0.0', '::', '10.1.2.3', 'example.com', '::ffff:10.0.0.1']) {
    await assert.rejects(startAdminServer(new FakeTarget(), { host, port: 0 }), { code: 'WEFT_CONFIG_INVALID' }, host);
  }
  const loopback = await startAdminServer(new FakeTarget(), { host: 'LocalHost', port: 0 });
  await loopback.close();
  const open = await startAdminServer(new FakeTarget(), { host: '0.0.0.0', port: 0 }, { allowNonLoopback: true });
  try {
    // Exposed on purpose: any Host name is accepted then.
    assert.equal((await call(open.port, 'GET', '/ready', { host: 'weft-proxy.shop:15000' })).status, 200);
  } finally {
    await open.close();
  }
});

test('a port in use is a WEFT_IO error naming the address', async () => {
  await assert.rejects(startAdminServer(new FakeTarget(), { host: '127.0.0.1', port: server.port }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'WEFT_IO');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${server.port}`));
    return true;
  });
});

test('Envoy addresses: IPv4 and IPv6 socket addresses, anything else a pipe', () => {
  assert.deepEqual(envoyAddress('10.0.0.1:80'), { socket_address: { address: '10.0.0.1', port_value: 80 } });
  assert.deepEqual(envoyAddress('[::1]:15000'), { socket_address: { address: '::1', port_value: 15000 } });
  assert.deepEqual(envoyAddress('reviews:9080'), { socket_address: { address: 'reviews', port_value: 9080 } });
  assert.deepEqual(envoyAddress('/tmp/app.sock'), { pipe: { path: '/tmp/app.sock' } });
  assert.deepEqual(envoyAddress('::1'), { pipe: { path: '::1' } });
});
