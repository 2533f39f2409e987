import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, Issues, RBAC, TYPE_URLS } from '../../../xds/envoy/index.ts';
import { ProxyMetrics } from '../../observe/metrics.ts';
import { RbacConfig } from './rbac.ts';
import type { DownstreamStream, FilterHost, FilterReply, RequestHead } from './types.ts';

const newMetrics = () => new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });

function issuesOf(body: object): string[] {
  const issues = new Issues();
  decode(RBAC, { '@type': TYPE_URLS.rbac, ...body }, [], issues);
  return issues.list.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function filter(body: object, metrics = newMetrics()): RbacConfig {
  const issues = new Issues();
  const r = decode(RBAC, { '@type': TYPE_URLS.rbac, ...body }, [], issues) as RBAC;
  assert.deepEqual(issues.list, []);
  return new RbacConfig(r, 'inbound', metrics);
}

interface Req { method?: string; path?: string; headers?: string[]; ip?: string; port?: number; id?: string | null }

const head = (r: Req): RequestHead => ({
  method: r.method ?? 'GET', path: r.path ?? '/', authority: 'svc', scheme: 'http', headers: r.headers ?? [], contentLength: 0, upgrade: null, expectContinue: false,
});
const stream = (r: Req): DownstreamStream => ({ remoteAddress: r.ip ?? '10.0.0.1', remotePort: 5000, localPort: r.port ?? 8080, peerIdentity: r.id ?? null } as DownstreamStream);

/** The host side a filter talks to: only the policy note matters here. */
function host(): FilterHost & { noted: string } {
  const h = { noted: '', noteRbacPolicy(name: string): void { h.noted = name; } };
  return h as unknown as FilterHost & { noted: string };
}

/** 403 or 0 (let through), and the policy the host was told about. */
function run(f: RbacConfig, r: Req): [number, string] {
  const h = host();
  const v = f.onRequest(head(r), stream(r), h) as FilterReply | null;
  return [v === null ? 0 : v.status, h.noted];
}

const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/';
const policy = (permissions: object[], principals: object[]) => ({ permissions, principals });
const ANY = [{ any: true }];

test('ALLOW: only requests some policy matches pass; the denial is a prebuilt 403 with code rbac-denied and flag RBAC', () => {
  const f = filter({ rules: { action: 'ALLOW', policies: { reads: policy([{ header: { name: ':method', exact_match: 'GET' } }], ANY) } } });
  assert.deepEqual(run(f, { method: 'GET' }), [0, '']);
  assert.deepEqual(run(f, { method: 'POST' }), [403, '']);
  const h = host();
  const reply = f.onRequest(head({ method: 'POST' }), stream({}), h) as FilterReply;
  assert.deepEqual([reply.code, reply.flag, reply.body.toString(), reply.grpcStatus], ['rbac-denied', 'RBAC', 'RBAC: access denied', -1]);
  assert.equal(f.onRequest(head({ method: 'DELETE' }), stream({}), h), reply);
});

test('ALLOW with no policies denies everything; DENY with none allows everything; no rules enforces nothing', () => {
  assert.deepEqual(run(filter({ rules: { action: 'ALLOW' } }), {}), [403, '']);
  assert.deepEqual(run(filter({ rules: { action: 'DENY' } }), {}), [0, '']);
  assert.deepEqual(run(filter({}), {}), [0, '']);
  // action defaults to ALLOW, as in Envoy.
  assert.deepEqual(run(filter({ rules: {} }), {}), [403, '']);
});

test('DENY: a matching policy denies and is noted; the first policy in name order is the one reported', () => {
  const f = filter({ rules: { action: 'DENY', policies: {
    'b-admin': policy([{ url_path: { path: { prefix: '/admin' } } }], ANY),
    'a-admin-post': policy([{ and_rules: { rules: [{ url_path: { path: { prefix: '/admin' } } }, { header: { name: ':method', exact_match: 'POST' } }] } }], ANY),
  } } });
  assert.deepEqual(run(f, { path: '/admin/x', method: 'POST' }), [403, 'a-admin-post']);
  assert.deepEqual(run(f, { path: '/admin/x' }), [403, 'b-admin']);
  assert.deepEqual(run(f, { path: '/public' }), [0, '']);
});

test('LOG: always allowed; a match is noted for the access log and counted', () => {
  const metrics = newMetrics();
  const f = filter({ rules: { action: 'LOG', policies: { audit: policy([{ url_path: { path: { exact: '/secret' } } }], ANY) } } }, metrics);
  assert.deepEqual(run(f, { path: '/secret?x=1' }), [0, 'audit']);
  assert.deepEqual(run(f, { path: '/other' }), [0, '']);
  assert.match(metrics.render(), /weft_rbac_logged_total\{listener="inbound",policy="audit"\} 1\n/);
});

test('url_path matches the path without query or fragment; the :path header sees all of it', () => {
  const f = filter({ rules: { policies: {
    exact: policy([{ url_path: { path: { exact: '/a' } } }], ANY),
    query: policy([{ header: { name: ':path', suffix_match: '?debug' } }], ANY),
  } } });
  assert.equal(run(f, { path: '/a?x=1' })[0], 0);
  assert.equal(run(f, { path: '/a#frag' })[0], 0);
  assert.equal(run(f, { path: '/ab' })[0], 403);
  assert.equal(run(f, { path: '/b?debug' })[0], 0);
  const kinds = filter({ rules: { policies: {
    s: policy([{ url_path: { path: { suffix: '.css' } } }], ANY),
    r: policy([{ url_path: { path: { safe_regex: { regex: '/v[0-9]+/items' } } } }], ANY),
    i: policy([{ url_path: { path: { prefix: '/CASE', ignore_case: true } } }], ANY),
  } } });
  assert.deepEqual(['/x/a.css', '/v12/items', '/v1/items/x', '/case/z', '/nope'].map((path) => run(kinds, { path })[0]), [0, 0, 403, 0, 403]);
});

test('permissions: destination_port, or_rules, not_rule, any', () => {
  const f = filter({ rules: { policies: {
    p: policy([{ and_rules: { rules: [
      { or_rules: { rules: [{ destination_port: 8080 }, { destination_port: 9090 }] } },
      { not_rule: { header: { name: ':method', exact_match: 'DELETE' } } },
    ] } }], ANY),
  } } });
  assert.deepEqual([run(f, { port: 8080 }), run(f, { port: 9090 }), run(f, { port: 7070 }), run(f, { port: 8080, method: 'DELETE' })].map((x) => x[0]), [0, 0, 403, 403]);
});

test('principals: authenticated.principal_name against the peer SPIFFE ID; unset name = any client certificate; plaintext never matches', () => {
  const f = filter({ rules: { policies: {
    exact: policy(ANY, [{ authenticated: { principal_name: { exact: `${SPIFFE}frontend` } } }]),
    ns: policy(ANY, [{ authenticated: { principal_name: { prefix: 'spiffe://cluster.local/ns/ops/' } } }]),
  } } });
  assert.equal(run(f, { id: `${SPIFFE}frontend` })[0], 0);
  assert.equal(run(f, { id: `${SPIFFE}frontend-evil` })[0], 403);
  assert.equal(run(f, { id: 'spiffe://cluster.local/ns/ops/sa/anything' })[0], 0);
  assert.equal(run(f, { id: null })[0], 403);
  const anyCert = filter({ rules: { policies: { mtls: policy(ANY, [{ authenticated: {} }]) } } });
  assert.deepEqual([run(anyCert, { id: `${SPIFFE}x` })[0], run(anyCert, { id: null })[0]], [0, 403]);
  const notMtls = filter({ rules: { action: 'DENY', policies: { plain: policy(ANY, [{ not_id: { authenticated: {} } }]) } } });
  assert.deepEqual([run(notMtls, { id: `${SPIFFE}x` })[0], run(notMtls, { id: null })[0]], [0, 403]);
});

test('principals: CIDR ranges (IPv4, IPv6, IPv4-mapped peers), header, and_ids / or_ids', () => {
  const f = filter({ rules: { policies: {
    v4: policy(ANY, [{ remote_ip: { address_prefix: '10.1.0.0', prefix_len: 16 } }]),
    v6: policy(ANY, [{ direct_remote_ip: { address_prefix: 'fd00::', prefix_len: 8 } }]),
    both: policy(ANY, [{ and_ids: { ids: [{ direct_remote_ip: { address_prefix: '192.168.0.7', prefix_len: 32 } }, { header: { name: 'x-team', exact_match: 'ops' } }] } }]),
    either: policy(ANY, [{ or_ids: { ids: [{ header: { name: 'x-a', present_match: true } }, { header: { name: 'x-b', present_match: true } }] } }]),
  } } });
  assert.deepEqual(['10.1.2.3', '::ffff:10.1.9.9', '10.2.0.1', 'fd12::1', 'fe80::1'].map((ip) => run(f, { ip })[0]), [0, 0, 403, 0, 403]);
  assert.equal(run(f, { ip: '192.168.0.7', headers: ['x-team', 'ops'] })[0], 0);
  assert.equal(run(f, { ip: '192.168.0.7' })[0], 403);
  assert.equal(run(f, { ip: '192.168.0.8', headers: ['x-team', 'ops'] })[0], 403);
  assert.equal(run(f, { headers: ['x-b', ''] })[0], 0);
});

test('shadow rules are counted, never enforced; decisions are counted per listener and policy', () => {
  const metrics = newMetrics();
  const f = filter({
    rules: { action: 'DENY', policies: { bad: policy([{ header: { name: 'x-bad', present_match: true } }], ANY) } },
    shadow_rules: { action: 'ALLOW', policies: { gets: policy([{ header: { name: ':method', exact_match: 'GET' } }], ANY) } },
  }, metrics);
  run(f, { method: 'POST' });
  run(f, { method: 'GET' });
  run(f, { method: 'GET', headers: ['x-bad', '1'] });
  const text = metrics.render();
  assert.match(text, /weft_rbac_shadow_total\{listener="inbound",policy="gets",result="allowed"\} 2\n/);
  assert.match(text, /weft_rbac_shadow_total\{listener="inbound",policy="",result="denied"\} 1\n/);
  assert.match(text, /weft_rbac_denied_total\{listener="inbound",policy="bad"\} 1\n/);
  assert.match(text, /weft_rbac_allowed_total\{listener="inbound",policy=""\} 2\n/);
});

test('config errors name the field: unknown rules, empty lists, unsupported fields, bad actions', () => {
  assert.deepEqual(issuesOf({ rules: { policies: { p: policy([{ destination_ip: { address_prefix: '1.2.3.4' } }], ANY) } } }).map((s) => s.split(':')[0]),
    ['rules.policies.p.permissions.0.destination_ip']);
  assert.match(issuesOf({ rules: { policies: { p: policy([], ANY) } } })[0], /^rules\.policies\.p\.permissions: /);
  assert.match(issuesOf({ rules: { policies: { p: policy([{}], ANY) } } })[0], /^rules\.policies\.p\.permissions\.0: one of .*'any'/);
  assert.match(issuesOf({ rules: { action: 'MAYBE' } })[0], /^rules\.action: expected one of ALLOW, DENY, LOG/);
  assert.match(issuesOf({ rules: { policies: { p: { ...policy(ANY, ANY), condition: { x: 1 } } } } })[0], /^rules\.policies\.p\.condition: Weft does not support/);
  assert.match(issuesOf({ rules: { policies: { p: policy(ANY, [{ not_id: { and_ids: { ids: [{ source_ip: { address_prefix: '1.1.1.1' } }] } } }]) } } })[0],
    /^rules\.policies\.p\.principals\.0\.not_id\.and_ids\.ids\.0\.source_ip: /);
});
