import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, type EndpointSpec } from './cluster.ts';

function cluster(endpoints: EndpointSpec[]): Cluster {
  return new Cluster({
    name: 'c', discovery: 'static', protocol: 'http1', connectTimeoutMs: 1000, dnsRefreshMs: 5000, dnsFamily: 0,
    retryLimit: { kind: 'budget', percent: 20, minConcurrency: 3 }, endpoints,
  });
}
const ep = (port: number, weight = 1, healthy = true): EndpointSpec => ({ host: '127.0.0.1', port, weight, healthy });

test('pick(exclude) skips the hosts a retry already tried while another healthy one exists', () => {
  const c = cluster([ep(1), ep(2), ep(3, 1, false)]);
  const [a, b] = c.endpoints;
  for (let i = 0; i < 4; i++) assert.equal(c.pick([a]), b);
  assert.ok([a, b].includes(c.pick([a, b])!), 'all healthy hosts tried: any healthy one, never the unhealthy');
  c.close();
});

test('weighted pick(exclude) does the same', () => {
  const c = cluster([ep(1, 5), ep(2, 1), ep(3, 1)]);
  const [a, b, d] = c.endpoints;
  for (let i = 0; i < 6; i++) assert.notEqual(c.pick([a]), a);
  assert.ok([a, b, d].includes(c.pick([a, b, d])!));
  c.close();
});
