// envoy.filters.http.rbac end to end: a real proxy in front of a real echo upstream. ALLOW and DENY
// filters in a chain (DENY first: it wins), a LOG filter, per-route overrides, rules on remote_ip,
// headers, paths and methods, the 403 a client sees, counters and the access log. And A4: with the
// path normalized, no variant of the corpus that RBAC allows reaches anything but /public/ upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { rawExchange, startEchoServer, type EchoServer } from '../helpers/upstream.ts';
import { bootstrap, httpListener, ROUTER, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { pathCorpus } from './path-corpus.ts';

const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const ANY = [{ any: true }];
const rbac = (name: string, rules: object) => ({ name, typed_config: { '@type': RBAC, rules } });
const method = (m: string) => ({ header: { name: ':method', exact_match: m } });
const prefix = (p: string) => ({ url_path: { path: { prefix: p } } });

let echo: EchoServer;
let proxy: RunningProxy;

const route = (name: string, match: object, extra: object = {}) => ({ name, match, route: { cluster: 'echo' }, ...extra });
const allRoutes = (routes: object[]) => ({ name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes }] });

/** The A4 listeners: RBAC allows only /public/, under three normalization settings. */
const PUBLIC_ONLY = [rbac('envoy.filters.http.rbac', { action: 'ALLOW', policies: { public: { permissions: [prefix('/public/')], principals: ANY } } }), ROUTER];
const A4 = {
  // Istio's strictest: DECODE_AND_MERGE_SLASHES.
  decode: { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' },
  keep: { normalize_path: true },
  reject: { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'REJECT_REQUEST' },
  redirect: { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT' },
} as const;

before(async () => {
  echo = await startEchoServer('echo');
  const authz = httpListener('authz', allRoutes([
    // RBACPerRoute without rbac: the ALLOW filter does not run here (the DENY one still does).
    route('health', { prefix: '/health' }, { typed_per_filter_config: { allow: { '@type': PER_ROUTE } } }),
    // This route replaces the ALLOW rules: only 10.0.0.0/8, which a loopback client is not.
    route('internal', { prefix: '/internal' }, {
      typed_per_filter_config: {
        allow: { '@type': PER_ROUTE, rbac: { '@type': RBAC, rules: { policies: { tenant: { permissions: ANY, principals: [{ remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }] } } } } },
      },
    }),
    route('rest', { prefix: '/' }),
  ]), {
    http_filters: [
      rbac('deny', { action: 'DENY', policies: { 'block-delete': { permissions: [method('DELETE')], principals: ANY } } }),
      rbac('allow', {
        action: 'ALLOW',
        policies: {
          'blue-team': {
            permissions: [prefix('/api/')],
            principals: [{ and_ids: { ids: [{ remote_ip: { address_prefix: '127.0.0.0', prefix_len: 8 } }, { header: { name: 'x-team', exact_match: 'blue' } }] } }],
          },
        },
      }),
      rbac('audit', { action: 'LOG', policies: { 'audit-writes': { permissions: [method('POST')], principals: ANY } } }),
      ROUTER,
    ],
  });
  const a4 = Object.entries(A4).map(([name, hcm]) => httpListener(name, allRoutes([route('all', { prefix: '/' })]), { http_filters: PUBLIC_ONLY, ...hcm }));
  proxy = await startProxy(bootstrap([authz, ...a4], [staticCluster('echo', [echo.port])]));
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
});

const blue = { 'x-team': 'blue' };

test('ALLOW by remote_ip and header on a path prefix; anything else is 403 rbac-denied, not forwarded', async () => {
  const port = proxy.ports.authz;
  const before = echo.requests.length;
  const ok = await request(port, '/api/items', { headers: blue });
  assert.equal(ok.status, 200);
  assert.equal(ok.json<{ url: string }>().url, '/api/items');
  for (const [path, headers] of [['/api/items', {}], ['/api/items', { 'x-team': 'red' }], ['/other', blue]] as const) {
    const r = await request(port, path, { headers });
    assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
    assert.equal(r.headers['x-weft-error'], 'rbac-denied');
    assert.equal(r.body, 'RBAC: access denied');
  }
  assert.equal(echo.requests.length, before + 1);
});

test('DENY wins over ALLOW: DELETE is refused even for the allowed team; the policy is in the access log and the counters', async () => {
  const port = proxy.ports.authz;
  const r = await request(port, '/api/items/1', { method: 'DELETE', headers: blue });
  assert.equal(r.status, 403);
  const find = () => proxy.accessLog().find((l) => l.method === 'DELETE' && l.path === '/api/items/1');
  await eventually(() => find() !== undefined, 5000, 'access log line');
  const line = find()!;
  assert.equal(line.response_flags, 'RBAC');
  assert.equal(line.weft_error, 'rbac-denied');
  assert.equal(line.rbac_policy, 'block-delete');
  const stats = await (await proxy.admin('/stats/prometheus')).text();
  assert.match(stats, /weft_rbac_denied_total\{listener="authz",policy="block-delete"\} 1\n/);
  assert.match(stats, /weft_rbac_allowed_total\{listener="authz",policy="blue-team"\} [1-9]/);
});

test('LOG: a POST matching the audit policy is allowed and noted in the access log', async () => {
  const r = await request(proxy.ports.authz, '/api/orders', { method: 'POST', headers: blue, body: 'x' });
  assert.equal(r.status, 200);
  const find = () => proxy.accessLog().find((l) => l.method === 'POST' && l.path === '/api/orders');
  await eventually(() => find() !== undefined, 5000, 'access log line');
  const line = find();
  assert.equal(line?.rbac_policy, 'audit-writes');
  assert.equal(line?.response_flags, '-');
});

test('per-route: RBACPerRoute without rbac turns the ALLOW filter off; with rbac it replaces the rules', async () => {
  const port = proxy.ports.authz;
  assert.equal((await request(port, '/health')).status, 200);
  assert.equal((await request(port, '/health', { method: 'DELETE' })).status, 403); // the DENY filter still runs
  assert.equal((await request(port, '/internal/x', { headers: blue })).status, 403); // 127.0.0.1 is not in 10.0.0.0/8
});

/** One raw HTTP/1.1 request per connection (the corpus holds bytes no client library sends as is). */
async function raw(port: number, target: string): Promise<{ status: number; location: string }> {
  const { data } = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`, 2000);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
  return { status, location: /\r\nlocation: ([^\r]*)/i.exec(data)?.[1] ?? '' };
}

for (const name of Object.keys(A4) as (keyof typeof A4)[]) {
  test(`A4 (${name}): over the path corpus, every request RBAC lets through reaches /public/ upstream, byte for byte as checked`, async () => {
    const port = proxy.ports[name];
    const corpus = pathCorpus();
    const start = echo.requests.length;
    const tally: Record<number, number> = {};
    const redirects: string[] = [];
    for (const target of corpus) {
      const r = await raw(port, target);
      tally[r.status] = (tally[r.status] ?? 0) + 1;
      if (r.status === 307) redirects.push(r.location);
      assert.ok([200, 400, 403, 307].includes(r.status), `${target}: unexpected status ${r.status}`);
    }
    const forwarded = echo.requests.slice(start).map((r) => r.url);
    const bypasses = forwarded.filter((u) => !u.startsWith('/public/'));
    assert.deepEqual(bypasses, [], 'no forwarded path outside /public/');
    assert.equal(forwarded.length, tally[200] ?? 0, 'every 200 came from the upstream, and nothing else reached it');
    // The corpus exercises both sides: some variants are inside /public/, most are not.
    assert.ok((tally[200] ?? 0) >= 10 && (tally[403] ?? 0) >= 50, JSON.stringify(tally));
    if (name === 'decode' || name === 'redirect' || name === 'reject') {
      // Decoded, merged and dot-free: an upstream cannot read these paths any other way.
      for (const u of forwarded) assert.doesNotMatch(u.split('?')[0], /%2f|%5c|\\|\/\/|\/\.\.?(\/|$)/i, u);
    }
    if (name === 'redirect') {
      assert.ok(redirects.length > 0);
      for (const l of redirects) assert.doesNotMatch(l, /%2f|%5c/i, l);
    }
    console.log(`A4 ${name}: ${corpus.length} variants, statuses ${JSON.stringify(tally)}`);
  });
}
