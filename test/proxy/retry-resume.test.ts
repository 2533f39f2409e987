// Retries and flow control: a retry must not leave the client's upload paused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxy } from '../helpers/proxy.ts';
import { deadPort } from '../helpers/scripted-upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

function put(port: number, body: Buffer, timeoutMs: number, path = '/up'): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'PUT', agent: false, headers: { 'content-length': String(body.length) } }, (res) => {
      let s = ''; res.on('data', (d) => { s += d; }); res.on('end', () => resolve(`${res.statusCode} ${s}`));
    });
    req.on('error', (e) => resolve(`error ${e.message}`));
    req.setTimeout(timeoutMs, () => { req.destroy(); resolve('HUNG'); });
    req.end(body);
  });
}

// A retry after a failed try that had paused the client's upload: the replay goes out on a warm
// connection that never signals "writable", so the retry layer itself must resume the client.
test('a retry resumes a client upload the failed try had paused (no hang, the whole body arrives)', async () => {
  const b = http.createServer((req, res) => { let n = 0; req.on('data', (d) => { n += d.length; }); req.on('end', () => res.end(`got ${n}`)); });
  await new Promise<void>((r) => b.listen(0, '127.0.0.1', r));
  const bPort = (b.address() as AddressInfo).port;
  const dead = await deadPort();
  const ep = (port: number, weight: number) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, load_balancing_weight: weight });
  const proxy = await startProxy(simple([
    { match: { prefix: '/direct' }, route: { cluster: 'b', timeout: '3s', retry_policy: { retry_on: 'connect-failure' } }, per_request_buffer_limit_bytes: 4194304 },
    { match: { prefix: '/' }, route: { cluster: 'dead-then-b', timeout: '3s', retry_policy: { retry_on: 'connect-failure', retry_back_off: { base_interval: '0.002s' }, retry_host_predicate: PREVIOUS_HOSTS } }, per_request_buffer_limit_bytes: 4194304 },
  ], [staticCluster('b', [bPort]), { ...staticCluster('dead-then-b', []), lb_policy: 'ROUND_ROBIN', load_assignment: { cluster_name: 'dead-then-b', endpoints: [{ lb_endpoints: [ep(dead, 1000), ep(bPort, 1)] }] } }]));
  try {
    assert.match(await put(proxy.ports.main, Buffer.alloc(10, 'a'), 5000), /^200 /, 'warm-up');
    const big = Buffer.alloc(2 * 1024 * 1024, 'x');
    assert.equal(await put(proxy.ports.main, big, 6000, '/direct'), `200 got ${big.length}`, 'control: the same body without a failed try');
    const r = await put(proxy.ports.main, big, 6000);

    assert.equal(r, `200 got ${big.length}`);
  } finally {
    await proxy.stop();
    b.closeAllConnections(); b.close();
  }
});
