// Routing with Envoy's semantics, end to end: a real proxy process and real upstreams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { bootstrap, httpListener, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

let v1: EchoServer;
let v2: EchoServer;
let proxy: RunningProxy;
let port: number;

before(async () => {
  v1 = await startEchoServer('v1');
  v2 = await startEchoServer('v2');
  const routeConfig = {
    name: 'front',
    request_headers_to_add: [{ header: { key: 'x-config-level', value: 'yes' } }],
    virtual_hosts: [
      {
        name: 'shop',
        domains: ['shop.example.com', 'shop.example.com:*'],
        response_headers_to_add: [{ header: { key: 'x-vhost', value: 'shop' } }],
        routes: [
          { name: 'health', match: { path: '/healthz' }, direct_response: { status: 200, body: { inline_string: 'ok\n' } } },
          { name: 'old', match: { prefix: '/old/' }, redirect: { prefix_rewrite: '/new/', response_code: 'PERMANENT_REDIRECT' } },
          { name: 'canary', match: { prefix: '/', headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] }, route: { cluster: 'v2' } },
          { name: 'api', match: { prefix: '/api/' }, route: { cluster: 'v1', prefix_rewrite: '/v1/', host_rewrite_literal: 'api.internal' },
            request_headers_to_add: [{ header: { key: 'x-route', value: 'api' } }], request_headers_to_remove: ['x-drop-me'],
            response_headers_to_remove: ['x-upstream'] },
          { name: 'regex', match: { safe_regex: { regex: '/items/[0-9]+' } }, route: { cluster: 'v2' } },
          { name: 'mirror', match: { prefix: '/mirror' }, route: { cluster: 'v1', request_mirror_policies: [{ cluster: 'v2' }] } },
          { name: 'split', match: { prefix: '/split' }, route: { weighted_clusters: { clusters: [{ name: 'v1', weight: 80 }, { name: 'v2', weight: 20 }] } } },
          { name: 'query', match: { prefix: '/q', query_parameters: [{ name: 'debug', string_match: { exact: '1' } }] }, route: { cluster: 'v2' } },
          { name: 'default', match: { prefix: '/' }, route: { cluster: 'v1' } },
        ],
      },
      { name: 'wild', domains: ['*.example.org'], routes: [{ match: { prefix: '/' }, route: { cluster: 'v2' } }] },
      { name: 'prefix', domains: ['admin.*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 403, body: { inline_string: 'no' } } }] },
    ],
  };
  proxy = await startProxy(bootstrap([httpListener('front', routeConfig)], [staticCluster('v1', [v1.port]), staticCluster('v2', [v2.port])]));
  port = proxy.ports.front;
});

after(async () => {
  await proxy?.stop();
  await v1?.close();
  await v2?.close();
});

const shop = { host: 'shop.example.com' };

test('direct_response answers without an upstream', async () => {
  const res = await request(port, '/healthz', { headers: shop });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'ok\n');
  assert.equal(res.headers['x-vhost'], 'shop');
});

test('redirect rewrites the prefix and uses the configured status', async () => {
  const res = await request(port, '/old/page?x=1', { headers: shop });
  assert.equal(res.status, 308);
  assert.equal(res.headers.location, 'http://shop.example.com/new/page?x=1');
});

test('a header match sends canary traffic to v2', async () => {
  assert.equal((await request(port, '/anything', { headers: { ...shop, 'x-canary': 'true' } })).json().server, 'v2');
  assert.equal((await request(port, '/anything', { headers: { ...shop, 'x-canary': 'false' } })).json().server, 'v1');
});

test('prefix_rewrite, host_rewrite_literal and header mutations reach the upstream', async () => {
  const res = await request(port, '/api/users?id=7', { headers: { ...shop, 'x-drop-me': '1' } });
  const seen = res.json<{ server: string; url: string; headers: Record<string, string> }>();
  assert.equal(seen.server, 'v1');
  assert.equal(seen.url, '/v1/users?id=7');
  assert.equal(seen.headers.host, 'api.internal');
  assert.equal(seen.headers['x-route'], 'api');
  assert.equal(seen.headers['x-config-level'], 'yes');
  assert.equal(seen.headers['x-drop-me'], undefined);
  assert.equal(res.headers['x-upstream'], undefined, 'response_headers_to_remove applied');
  assert.equal(res.headers['x-vhost'], 'shop');
});

test('safe_regex matches the whole path only', async () => {
  assert.equal((await request(port, '/items/42', { headers: shop })).json().server, 'v2');
  assert.equal((await request(port, '/items/42/x', { headers: shop })).json().server, 'v1');
});

test('query parameter match', async () => {
  assert.equal((await request(port, '/q?debug=1', { headers: shop })).json().server, 'v2');
  assert.equal((await request(port, '/q?debug=0', { headers: shop })).json().server, 'v1');
});

test('weighted clusters split traffic by weight (80/20 over 500 requests)', async () => {
  let toV2 = 0;
  for (let i = 0; i < 500; i++) {
    if ((await request(port, '/split', { headers: shop })).json().server === 'v2') toV2++;
  }
  // Binomial(500, 0.2): mean 100, sd ≈ 8.9; ±40 is over 4 sd.
  assert.ok(toV2 > 60 && toV2 < 140, `v2 got ${toV2} of 500`);
});

test('virtual hosts: suffix and prefix wildcards', async () => {
  assert.equal((await request(port, '/', { headers: { host: 'a.example.org' } })).json().server, 'v2');
  assert.equal((await request(port, '/', { headers: { host: 'admin.local' } })).status, 403);
});

test('no matching virtual host → 404 with x-weft-error: no-route, flagged NR in the access log', async () => {
  const res = await request(port, '/', { headers: { host: 'unknown.test' } });
  assert.equal(res.status, 404);
  assert.equal(res.headers['x-weft-error'], 'no-route');
  await new Promise((r) => setTimeout(r, 50));
  const line = proxy.accessLog().find((l) => l.authority === 'unknown.test');
  assert.equal(line?.response_flags, 'NR');
  assert.equal(line?.response_code, 404);
});

test('request_mirror_policies send a copy (authority + "-shadow") and ignore its answer', async () => {
  const before = v2.requests.length;
  const res = await request(port, '/mirror/m1', { method: 'POST', headers: { ...shop, 'content-type': 'text/plain' }, body: 'copy me' });
  assert.equal(res.json().server, 'v1');
  await new Promise((r) => setTimeout(r, 100));
  const shadow = v2.requests.slice(before).find((r) => r.url === '/mirror/m1');
  assert.ok(shadow, 'v2 received the mirrored request');
  assert.equal(shadow.headers.host, 'shop.example.com-shadow');
  assert.equal(shadow.body, 'copy me');
});
