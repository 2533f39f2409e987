import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBootstrapFile } from '../../bootstrap/index.ts';
import type { HttpConnectionManager } from '../../../xds/envoy/index.ts';
import { compileRouteConfiguration } from './route-table.ts';
import { req, routesTable } from './route-fixture.ts';

test('direct_response: status and body (inline_string or base64 inline_bytes), empty by default', () => {
  const t = routesTable([
    { name: 'text', match: { path: '/t' }, direct_response: { status: 503, body: { inline_string: 'down\n' } } },
    { name: 'bytes', match: { path: '/b' }, direct_response: { status: 200, body: { inline_bytes: Buffer.from([0, 255]).toString('base64') } } },
    { name: 'empty', match: { path: '/e' }, direct_response: { status: 204 } },
  ]);
  const action = (path: string) => t.match(req(path))!.route.action;
  assert.deepEqual(action('/t'), { kind: 'direct_response', status: 503, body: Buffer.from('down\n') });
  assert.deepEqual(action('/b'), { kind: 'direct_response', status: 200, body: Buffer.from([0, 255]) });
  assert.deepEqual(action('/e'), { kind: 'direct_response', status: 204, body: Buffer.alloc(0) });
});

test('match() returns the same result object for the same route (no per-request allocation)', () => {
  const t = routesTable([{ name: 'r', match: { prefix: '/' }, route: { cluster: 'c' } }]);
  const a = t.match(req('/a'));
  const b = t.match(req('/b'));
  assert.ok(a !== null && a === b);
  assert.equal(a.virtualHost.name, 'all');
  assert.equal(a.virtualHost.routes[0], a.route);
  assert.equal(t.virtualHosts.length, 1);
});

test('simulation: the front-proxy example routes requests where its comments say', () => {
  const b = loadBootstrapFile(new URL('../../../../examples/front-proxy.yaml', import.meta.url).pathname);
  const hcm = b.static_resources!.listeners![0].filter_chains[0].filters![0].typed_config as HttpConnectionManager;
  const t = compileRouteConfiguration(hcm.route_config!);
  const shop = (path: string, headers: string[] = []) => t.match(req(path, headers, 'shop.example.com'))!;

  const health = shop('/healthz').route.action;
  assert.ok(health.kind === 'direct_response' && health.status === 200 && health.body.toString() === 'ok\n');

  const canary = shop('/cart', ['x-canary', 'true']).route.action;
  assert.ok(canary.kind === 'forward' && canary.pickCluster(0) === 'service-v2');

  const split = shop('/cart').route;
  assert.equal(split.name, 'split');
  assert.ok(split.action.kind === 'forward');
  let v2 = 0;
  for (let i = 0; i < 100; i++) if (split.action.pickCluster(i / 100) === 'service-v2') v2++;
  assert.equal(v2, 10);
  const h: string[] = [];
  split.mutateRequestHeaders(h, 'service-v2');
  assert.deepEqual(h, ['x-weft-variant', 'v2']);
  const resp: string[] = [];
  split.mutateResponseHeaders(resp);
  assert.deepEqual(resp, ['x-served-by', 'weft']);

  const legacy = t.match(req('/cart?id=1', [], 'old.example.com:10000'))!.route.action;
  assert.ok(legacy.kind === 'redirect');
  assert.equal(legacy.status, 301);
  assert.equal(legacy.location(req('/cart?id=1', [], 'old.example.com:10000'), 'http'), 'https://shop.example.com/cart?id=1');

  // Any other host falls through to the "*" domain of the shop virtual host.
  assert.equal(t.match(req('/', [], '10.0.0.1:10000'))!.virtualHost.name, 'shop');
});
