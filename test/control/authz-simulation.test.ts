// Simulation tests of the AuthorizationPolicy translation (Istio's pilot/pkg/simulation style):
// policies in → the RBAC filters src/control/translate/rbac.ts builds → decoded as an Envoy config
// (so the output is valid for Weft and Envoy alike) → run by the proxy's own RBAC filter on a
// request with an identity, method, path, header and port → allowed or denied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource, type AuthorizationPolicySpec, type Resource } from '../../src/api/index.ts';
import { inboundRbacFilters, type DefaultInboundPolicy } from '../../src/control/translate/rbac.ts';
import { decode, Issues, RBAC } from '../../src/xds/envoy/index.ts';
import { RbacConfig } from '../../src/proxy/http/filters/rbac.ts';
import type { DownstreamStream, FilterHost, RequestHead } from '../../src/proxy/http/filters/types.ts';
import { ProxyMetrics } from '../../src/proxy/observe/metrics.ts';

const TD = 'cluster.local';
const id = (ns: string, sa: string) => `spiffe://${TD}/ns/${ns}/sa/${sa}`;
const WEB = id('shop', 'web');
const BATCH = id('jobs', 'batch');
const WORKLOAD = { namespace: 'shop', labels: { app: 'api', tier: 'backend' }, services: ['api'] };

function policy(name: string, spec: unknown, namespace = 'shop'): Resource<AuthorizationPolicySpec> {
  const v = validateResource({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });
  assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.issues));
  return v.resource as Resource<AuthorizationPolicySpec>;
}

interface Req { id?: string | null; method?: string; path?: string; headers?: string[]; port?: number }

/** A simulated inbound proxy for `policies`: each request answers 'allow' or 'deny:<policy>' (and notes AUDIT matches). */
function mesh(policies: Resource<AuthorizationPolicySpec>[], defaultInboundPolicy: DefaultInboundPolicy = 'allow') {
  const metrics = new ProxyMetrics({ workload: 'api', namespace: 'shop' }, { runtimeMetrics: false });
  const filters = inboundRbacFilters({ workload: WORKLOAD, policies, trustDomain: TD, defaultInboundPolicy }).map((f) => {
    const issues = new Issues();
    const decoded = decode(RBAC, f.typed_config, [f.name], issues) as RBAC;
    assert.deepEqual(issues.list, [], 'the translation emits a valid RBAC config');
    return new RbacConfig(decoded, 'inbound', metrics);
  });
  const names = inboundRbacFilters({ workload: WORKLOAD, policies, trustDomain: TD, defaultInboundPolicy }).map((f) => f.name);
  const ask = (r: Req): string => {
    let noted = '';
    const host = { noteRbacPolicy(n: string) { noted = n; } } as unknown as FilterHost;
    const head: RequestHead = { method: r.method ?? 'GET', path: r.path ?? '/', authority: 'api', scheme: 'http', headers: r.headers ?? [], contentLength: 0, upgrade: null, expectContinue: false };
    const ds = { remoteAddress: '10.0.0.9', remotePort: 1, localPort: r.port ?? 8080, peerIdentity: r.id === undefined ? WEB : r.id } as DownstreamStream;
    for (const f of filters) if (f.onRequest(head, ds, host) !== null) return `deny${noted ? `:${noted}` : ''}`;
    return noted ? `allow:${noted}` : 'allow';
  };
  return { ask, names };
}

test('no policy: MeshConfig.defaultInboundPolicy decides (allow / authenticated / deny)', () => {
  assert.deepEqual(mesh([], 'allow').names, []);
  assert.equal(mesh([], 'allow').ask({ id: null }), 'allow');
  const authn = mesh([], 'authenticated');
  assert.deepEqual([authn.ask({ id: WEB }), authn.ask({ id: null })], ['allow', 'deny']);
  assert.deepEqual([mesh([], 'deny').ask({ id: WEB }), mesh([], 'deny').ask({ id: null })], ['deny', 'deny']);
});

test('ALLOW by identity: one client in, another and plaintext out', () => {
  const m = mesh([policy('web-only', { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], rules: [{ from: [{ source: { principals: [WEB] } }] }] })]);
  assert.deepEqual([m.ask({ id: WEB }), m.ask({ id: BATCH }), m.ask({ id: null })], ['allow', 'deny', 'deny']);
  // Istio's principal form without the scheme, and * patterns.
  const istio = mesh([policy('p', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/jobs/*', '*/sa/web'] } }] }] })]);
  assert.deepEqual([istio.ask({ id: BATCH }), istio.ask({ id: WEB }), istio.ask({ id: id('shop', 'cart') })], ['allow', 'allow', 'deny']);
  const anyone = mesh([policy('p', { rules: [{ from: [{ source: { principals: ['*'] } }] }] })]);
  assert.deepEqual([anyone.ask({ id: BATCH }), anyone.ask({ id: null })], ['allow', 'deny']);
});

test('DENY wins over ALLOW, whatever the names; unmatched requests are denied once an ALLOW policy applies', () => {
  const m = mesh([
    policy('a-allow-shop', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }),
    policy('z-no-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] }),
  ]);
  assert.deepEqual(m.names, ['weft.authz.deny', 'weft.authz.allow']);
  assert.equal(m.ask({ path: '/api/x' }), 'allow');
  assert.equal(m.ask({ path: '/admin/users' }), 'deny:shop/z-no-admin[0]');
  assert.equal(m.ask({ id: BATCH, path: '/api/x' }), 'deny');
});

test('operations: methods, exact / prefix / suffix paths, ports; several operations are alternatives', () => {
  const m = mesh([policy('ops', { rules: [{ to: [
    { operation: { methods: ['GET', 'HEAD'], paths: ['/api/*', '/healthz'] } },
    { operation: { methods: ['POST'], paths: ['*.json'], ports: [9090] } },
  ] }] })]);
  assert.deepEqual([
    m.ask({ path: '/api/items?x=1' }), m.ask({ method: 'HEAD', path: '/healthz' }), m.ask({ path: '/healthz/x' }), m.ask({ path: '/api' }),
    m.ask({ method: 'POST', path: '/api/items' }), m.ask({ method: 'POST', path: '/in.json', port: 9090 }), m.ask({ method: 'POST', path: '/in.json' }),
  ], ['allow', 'allow', 'deny', 'deny', 'deny', 'allow', 'deny']);
});

test('sources: namespaces, notPrincipals, unauthenticated; sources are alternatives, a source\'s fields all apply', () => {
  const m = mesh([policy('src', { rules: [
    { from: [{ source: { namespaces: ['shop', 'jobs'], notPrincipals: [id('jobs', 'batch')] } }] },
    { from: [{ source: { unauthenticated: true } }], to: [{ operation: { paths: ['/public/*'] } }] },
  ] })]);
  assert.deepEqual([
    m.ask({ id: WEB }), m.ask({ id: id('jobs', 'cron') }), m.ask({ id: BATCH }), m.ask({ id: id('ops', 'x') }),
    m.ask({ id: null, path: '/public/a' }), m.ask({ id: null, path: '/private' }), m.ask({ id: BATCH, path: '/public/a' }),
  ], ['allow', 'allow', 'deny', 'deny', 'allow', 'deny', 'deny']);
});

test('when: header values and notValues, all conditions required', () => {
  const m = mesh([policy('hdr', { rules: [{ when: [{ header: 'x-team', values: ['blue', 'green-*'] }, { header: 'x-env', notValues: ['prod'] }] }] })]);
  assert.deepEqual([
    m.ask({ headers: ['x-team', 'blue'] }), m.ask({ headers: ['x-team', 'green-2', 'x-env', 'dev'] }), m.ask({ headers: ['x-team', 'blue', 'x-env', 'prod'] }),
    m.ask({ headers: ['x-team', 'red'] }), m.ask({}),
  ], ['allow', 'allow', 'deny', 'deny', 'deny']);
});

test('AUDIT is logged, never denies; it sees denied requests too (its filter runs first)', () => {
  const m = mesh([
    policy('audit-writes', { action: 'AUDIT', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }),
    policy('no-batch', { action: 'DENY', rules: [{ from: [{ source: { principals: [BATCH] } }] }] }),
  ]);
  assert.deepEqual(m.names, ['weft.authz.audit', 'weft.authz.deny']);
  assert.equal(m.ask({ method: 'POST' }), 'allow:shop/audit-writes[0]');
  assert.equal(m.ask({ method: 'GET' }), 'allow');
  assert.equal(m.ask({ method: 'POST', id: BATCH }), 'deny:shop/no-batch[0]');
});

test('the default still holds under DENY-only policies; an ALLOW policy without rules allows nothing', () => {
  const denyOnly = mesh([policy('no-batch', { action: 'DENY', rules: [{ from: [{ source: { principals: [BATCH] } }] }] })], 'deny');
  assert.deepEqual([denyOnly.ask({ id: WEB }), denyOnly.ask({ id: BATCH })], ['deny', 'deny:shop/no-batch[0]']);
  const authnDenyOnly = mesh([policy('no-batch', { action: 'DENY', rules: [{ from: [{ source: { principals: [BATCH] } }] }] })], 'authenticated');
  assert.deepEqual([authnDenyOnly.ask({ id: WEB }), authnDenyOnly.ask({ id: null })], ['allow', 'deny']);
  const nothing = mesh([policy('allow-nothing', {})], 'allow');
  assert.deepEqual([nothing.ask({ id: WEB }), nothing.ask({ id: null })], ['deny', 'deny']);
});

test('selection: the workload\'s namespace only; targetRefs by Service, selector by labels, neither = the whole namespace', () => {
  const webOnly = { rules: [{ from: [{ source: { principals: [WEB] } }] }] };
  const applies = (p: Resource<AuthorizationPolicySpec>) => mesh([p]).ask({ id: BATCH }) === 'deny';
  assert.equal(applies(policy('p', webOnly, 'other')), false);
  assert.equal(applies(policy('p', { ...webOnly, targetRefs: [{ group: '', kind: 'Service', name: 'cart' }] })), false);
  assert.equal(applies(policy('p', { ...webOnly, targetRefs: [{ group: '', kind: 'Service', name: 'api' }] })), true);
  assert.equal(applies(policy('p', { ...webOnly, selector: { matchLabels: { app: 'api' } } })), true);
  assert.equal(applies(policy('p', { ...webOnly, selector: { matchLabels: { app: 'api', tier: 'frontend' } } })), false);
  assert.equal(applies(policy('p', webOnly)), true);
});
