import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { req, routesTable, table } from './route-fixture.ts';
import type { ForwardAction } from './types.ts';

function forward(route: object, match: object = { prefix: '/' }): ForwardAction {
  const m = routesTable([{ match, route }]).match(req('/'));
  const a = m?.route.action;
  assert.equal(a?.kind, 'forward');
  return a as ForwardAction;
}
const forwardFor = (route: object, match: object, path: string): ForwardAction => {
  const a = routesTable([{ match, route }]).match(req(path))?.route.action;
  assert.equal(a?.kind, 'forward');
  return a as ForwardAction;
};

test('a single cluster is always picked; defaults: 15 s timeout, no rewrites', () => {
  const a = forward({ cluster: 'svc' });
  assert.equal(a.pickCluster(0), 'svc');
  assert.equal(a.pickCluster(0.999), 'svc');
  assert.deepEqual(a.clusters, ['svc']);
  assert.equal(a.timeoutMs, 15_000);
  assert.equal(a.rewritePath('/a?b'), '/a?b');
  assert.equal(a.hostRewrite, null);
  assert.deepEqual(a.mirrors, []);
});

test('timeout 0 disables it; durations in either proto-JSON form', () => {
  assert.equal(forward({ cluster: 'svc', timeout: '0s' }).timeoutMs, 0);
  assert.equal(forward({ cluster: 'svc', timeout: '1.5s' }).timeoutMs, 1_500);
  assert.equal(forward({ cluster: 'svc', timeout: { seconds: 30 } }).timeoutMs, 30_000);
});

test('idle_timeout and max_stream_duration: absent or 0 means none', () => {
  const plain = forward({ cluster: 'svc' });
  assert.equal(plain.idleTimeoutMs, 0);
  assert.equal(plain.maxStreamDurationMs, 0);
  assert.deepEqual(plain.grpcTimeout, { maxMs: 0, offsetMs: 0 });
  assert.equal(plain.retry, null, 'no retry layer without a retry_policy');
  const a = forward({ cluster: 'svc', idle_timeout: '30s', max_stream_duration: { max_stream_duration: '2s', grpc_timeout_header_max: '1s', grpc_timeout_header_offset: '0.010s' } });
  assert.equal(a.idleTimeoutMs, 30_000);
  assert.equal(a.maxStreamDurationMs, 2_000);
  assert.deepEqual(a.grpcTimeout, { maxMs: 1_000, offsetMs: 10 });
});

test("retry_policy: the route's replaces the virtual host's whole; buffer limit from route, else virtual host", () => {
  const t = table({
    virtual_hosts: [{
      name: 'all', domains: ['*'], per_request_buffer_limit_bytes: 1000,
      retry_policy: { retry_on: '5xx', num_retries: 4 },
      routes: [
        { match: { prefix: '/own' }, route: { cluster: 'svc', retry_policy: { retry_on: 'reset' } }, per_request_buffer_limit_bytes: 10 },
        { match: { prefix: '/' }, route: { cluster: 'svc' } },
      ],
    }],
  });
  const own = t.match(req('/own'))?.route.action as ForwardAction;
  const inherited = t.match(req('/x'))?.route.action as ForwardAction;
  assert.equal(own.retry?.numRetries, 1, "Envoy's default num_retries, not the virtual host's 4");
  assert.equal(own.retry?.forResponse(503, []), null, 'reset does not retry a 503');
  assert.equal(own.retry?.bufferLimitBytes, 10);
  assert.equal(inherited.retry?.numRetries, 4);
  assert.equal(inherited.retry?.forResponse(503, []), '5xx');
  assert.equal(inherited.retry?.bufferLimitBytes, 1000);
});

test('weighted pick follows Envoy: floor(random * total) falls in a cluster\'s interval', () => {
  const a = forward({ weighted_clusters: { clusters: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] } });
  assert.equal(a.pickCluster(0), 'v1');
  assert.equal(a.pickCluster(0.8999), 'v1');
  assert.equal(a.pickCluster(0.9), 'v2');
  assert.equal(a.pickCluster(0.99999), 'v2');
  assert.deepEqual(a.clusters, ['v1', 'v2']);
});

test('property: over a uniform random grid, each cluster gets exactly its weight share; zero weight never', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 6 }).filter((w) => w.some((x) => x > 0)), (weights) => {
      const names = weights.map((_, i) => `c${i}`);
      const a = forward({ weighted_clusters: { clusters: weights.map((w, i) => ({ name: names[i], weight: w })) } });
      const total = weights.reduce((x, y) => x + y, 0);
      const counts = new Map<string, number>();
      // One sample per slot of the total: an exact image of the distribution.
      for (let k = 0; k < total; k++) {
        const c = a.pickCluster((k + 0.5) / total);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      weights.forEach((w, i) => assert.equal(counts.get(names[i]) ?? 0, w));
    }),
  );
});

test('prefix_rewrite swaps the matched prefix and keeps the query (Envoy doc example)', () => {
  const slash = forwardFor({ cluster: 'c', prefix_rewrite: '/' }, { prefix: '/prefix/' }, '/prefix/etc');
  assert.equal(slash.rewritePath('/prefix/etc?x=1'), '/etc?x=1');
  const bare = forwardFor({ cluster: 'c', prefix_rewrite: '/' }, { prefix: '/prefix' }, '/prefix');
  assert.equal(bare.rewritePath('/prefix'), '/');
  const ci = forwardFor({ cluster: 'c', prefix_rewrite: '/v2/' }, { prefix: '/API/', case_sensitive: false }, '/api/x');
  assert.equal(ci.rewritePath('/api/x'), '/v2/x');
  const exact = forwardFor({ cluster: 'c', prefix_rewrite: '/new' }, { path: '/old' }, '/old');
  assert.equal(exact.rewritePath('/old?q'), '/new?q');
  const regexMatch = forwardFor({ cluster: 'c', prefix_rewrite: '/all' }, { safe_regex: { regex: '/x/.*' } }, '/x/y');
  assert.equal(regexMatch.rewritePath('/x/y?z'), '/all?z');
});

test('property: prefix_rewrite to the matched prefix itself is the identity', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\/[a-z]{0,6}$/), fc.stringMatching(/^[a-z/]{0,10}(\?[a-z=&]{0,6})?$/), (prefix, rest) => {
      const path = prefix + rest;
      const a = forwardFor({ cluster: 'c', prefix_rewrite: prefix }, { prefix }, path);
      assert.equal(a.rewritePath(path), path);
    }),
  );
});

test('regex_rewrite: the examples from the Envoy API reference', () => {
  const rw = (regex: string, substitution: string, path: string) =>
    forward({ cluster: 'c', regex_rewrite: { pattern: { regex }, substitution } }).rewritePath(path);
  assert.equal(rw('^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api'), '/v1/api/instance/foo');
  assert.equal(rw('one', 'two', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/two/zzz');
  assert.equal(rw('^(.*?)one(.*)$', '\\1two\\2', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/one/zzz');
  assert.equal(rw('(?i)/xxx/', '/yyy/', '/aaa/XxX/bbb'), '/aaa/yyy/bbb');
  assert.equal(rw('one', 'two', '/one?one=1'), '/two?one=1', 'the query is kept');
  assert.equal(rw('o', '$&$1', '/o'), '/$&$1', "'$' has no special meaning in RE2 substitutions");
});

test('host_rewrite_literal and mirrors with fractions', () => {
  const a = forward({
    cluster: 'c',
    host_rewrite_literal: 'upstream.internal',
    request_mirror_policies: [
      { cluster: 'shadow' },
      { cluster: 'sampled', runtime_fraction: { default_value: { numerator: 25 } } },
      { cluster: 'rare', runtime_fraction: { default_value: { numerator: 5, denominator: 'TEN_THOUSAND' }, runtime_key: 'k' } },
      { cluster: 'capped', runtime_fraction: { default_value: { numerator: 500 } } },
    ],
  });
  assert.equal(a.hostRewrite, 'upstream.internal');
  assert.deepEqual(a.mirrors, [
    { cluster: 'shadow', fraction: 1 },
    { cluster: 'sampled', fraction: 0.25 },
    { cluster: 'rare', fraction: 0.0005 },
    { cluster: 'capped', fraction: 1 },
  ]);
});
