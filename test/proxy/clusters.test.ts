// Cluster discovery and endpoint selection: STATIC and STRICT_DNS, endpoint weights, and
// endpoint health from the load assignment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { simple } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

let a: EchoServer;
let b: EchoServer;
let proxy: RunningProxy;
let port: number;

function endpoint(address: string, portValue: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoint: { address: { socket_address: { address, port_value: portValue } } }, ...extra };
}

before(async () => {
  a = await startEchoServer('a');
  b = await startEchoServer('b');
  proxy = await startProxy(simple([
    { match: { prefix: '/dns' }, route: { cluster: 'dns' } },
    { match: { prefix: '/weighted' }, route: { cluster: 'weighted' } },
    { match: { prefix: '/health' }, route: { cluster: 'partly-healthy' } },
    { match: { prefix: '/none' }, route: { cluster: 'none-healthy' } },
  ], [
    { name: 'dns', type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY', load_assignment: { cluster_name: 'dns', endpoints: [{ lb_endpoints: [endpoint('localhost', a.port)] }] } },
    { name: 'weighted', type: 'STATIC', lb_policy: 'ROUND_ROBIN', load_assignment: { cluster_name: 'weighted', endpoints: [{ lb_endpoints: [
      endpoint('127.0.0.1', a.port, { load_balancing_weight: 3 }), endpoint('127.0.0.1', b.port, { load_balancing_weight: 1 })] }] } },
    { name: 'partly-healthy', type: 'STATIC', load_assignment: { cluster_name: 'partly-healthy', endpoints: [{ lb_endpoints: [
      endpoint('127.0.0.1', a.port, { health_status: 'UNHEALTHY' }), endpoint('127.0.0.1', b.port, { health_status: 'HEALTHY' })] }] } },
    { name: 'none-healthy', type: 'STATIC', load_assignment: { cluster_name: 'none-healthy', endpoints: [{ lb_endpoints: [
      endpoint('127.0.0.1', a.port, { health_status: 'DRAINING' })] }] } },
  ]));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await a?.close();
  await b?.close();
});

test('STRICT_DNS resolves the endpoint name (localhost)', async () => {
  assert.equal((await request(port, '/dns')).json().server, 'a');
  const clusters = await (await proxy.admin('/clusters')).text();
  assert.match(clusters, new RegExp(`dns::127\\.0\\.0\\.1:${a.port}::`));
});

test('endpoint weights 3:1 give a 3:1 split', async () => {
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 80; i++) counts[(await request(port, '/weighted')).json<{ server: string }>().server]++;
  assert.deepEqual(counts, { a: 60, b: 20 }, 'smooth weighted round robin is exact over whole cycles');
});

test('unhealthy endpoints are skipped; with none healthy the answer is 503 no-healthy-upstream (UH)', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await request(port, '/health')).json().server, 'b');
  const res = await request(port, '/none');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-weft-error'], 'no-healthy-upstream');
});

test('a STRICT_DNS name that does not resolve leaves the cluster empty (503) without stopping the proxy', async () => {
  const broken = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'nowhere' } }], [
    { name: 'nowhere', type: 'STRICT_DNS', load_assignment: { cluster_name: 'nowhere', endpoints: [{ lb_endpoints: [endpoint('no-such-host.invalid', 80)] }] } },
  ]));
  try {
    const res = await request(broken.ports.main, '/');
    assert.equal(res.status, 503);
    assert.equal(res.headers['x-weft-error'], 'no-healthy-upstream');
    assert.match(broken.stderr(), /cluster nowhere: DNS resolution failed/);
  } finally {
    await broken.stop();
  }
});
