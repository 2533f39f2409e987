// Simulation tests (STYLE.md): resources in, a request, and the decision out — which route
// rule, which backends with which weights, which timeouts, retries and policy. Each case
// follows a rule of the Gateway API spec (GAMMA for attachment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Decision, type RouteDecision } from './simulate.ts';
import { snapshotOf, exampleSnapshot } from './testkit.ts';

function routeOf(d: Decision): RouteDecision {
  assert.equal(d.type, 'route', JSON.stringify(d));
  return d as RouteDecision;
}
const split = (d: Decision) => routeOf(d).backends.map((b) => `${b.service}:${b.port}=${b.share}`);
const ruleOf = (d: Decision) => `${routeOf(d).route}#${routeOf(d).rule}`;

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000}]}
---
apiVersion: v1
kind: Service
metadata: {name: v1, namespace: shop}
spec: {selector: {app: web, version: v1}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: v2, namespace: shop}
spec: {selector: {app: web, version: v2}, ports: [{name: http, port: 80, targetPort: 8081}]}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: web-v1-a, namespace: shop, labels: {app: web, version: v1}}
spec: {address: 10.0.0.1, ports: [{name: http, port: 8080}]}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: web-v2-a, namespace: shop, labels: {app: web, version: v2}}
spec: {address: 10.0.0.2, ports: [{name: http, port: 8081}]}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: elsewhere, namespace: other, labels: {app: web, version: v1}}
spec: {address: 10.9.9.9, ports: [{name: http, port: 8080}]}
`;

function route(name: string, rules: string, extra = ''): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${extra.includes('ns:') ? extra.split('ns:')[1].trim() : 'shop'}}
spec:
  parentRefs: [{group: "", kind: Service, name: web, namespace: shop, port: 80}]
  rules:
${rules}
`;
}
const to = (svc: string) => `      backendRefs: [{name: ${svc}, port: 80}]`;
const req = (path: string, extra: Partial<{ method: string; headers: Record<string, string>; clientNamespace: string; port: number; host: string }> = {}) =>
  ({ clientNamespace: 'shop', host: 'web', port: 80, path, ...extra });

test('examples/mesh: the canary header goes to v2, the rest splits 90/10 with the rule\'s timeouts and retry', () => {
  const s = exampleSnapshot('mesh');
  const canary = simulate(s, { clientNamespace: 'shop', host: 'backend.shop.svc.cluster.local', port: 8080, path: '/x', headers: { 'X-Canary': 'true' } });
  assert.equal(routeOf(canary).ruleName, 'canary');
  assert.deepEqual(split(canary), ['shop/backend-v2:8080=1']);
  assert.deepEqual(routeOf(canary).backends[0].endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.3:9090']);
  const rest = routeOf(simulate(s, { clientNamespace: 'shop', host: 'backend', port: 8080, path: '/items?id=1' }));
  assert.equal(rest.ruleName, 'split');
  assert.deepEqual(split(rest), ['shop/backend-v1:8080=0.9', 'shop/backend-v2:8080=0.1']);
  assert.deepEqual(rest.timeouts, { requestMs: 5000, backendRequestMs: 2000 });
  assert.deepEqual(rest.retry, { attempts: 2, codes: [502, 503], backoffMs: 100 });
  // The TrafficPolicy applies to calls to backend; a rule's own timeout wins over its default.
  assert.equal(rest.policy.loadBalancer.type, 'PeakEwma');
  assert.equal(rest.policy.timeouts.connect, '1s');
  assert.equal(rest.policy.connectionLimits.maxRequests, 200);
  assert.equal(rest.policy.sources.timeouts, 'shop/backend');
  // No route attaches to frontend: its own endpoints, the default policy.
  const fe = routeOf(simulate(s, { clientNamespace: 'shop', host: 'frontend', port: 80, path: '/' }));
  assert.equal(fe.route, undefined);
  assert.deepEqual(fe.backends[0].endpoints.map((e) => `${e.workload} ${e.address}:${e.port} ${e.serviceAccount}`), ['shop/frontend-1 127.0.0.1:3000 frontend']);
  assert.equal(fe.timeouts.requestMs, 15_000);
  assert.equal(fe.policy.outlierDetection.consecutive5xxErrors, 5);
});

test('endpoints: selector labels, same namespace only, named targetPort resolved per workload', () => {
  const s = snapshotOf(SERVICES);
  const web = routeOf(simulate(s, req('/')));
  assert.deepEqual(web.backends[0].endpoints.map((e) => `${e.address}:${e.port}`), ['10.0.0.1:8080', '10.0.0.2:8081'], 'the workload in namespace other is not selected');
  const admin = routeOf(simulate(s, req('/', { port: 9000 })));
  assert.deepEqual(admin.backends[0].endpoints.map((e) => `${e.address}:${e.port}`), ['10.0.0.1:9000', '10.0.0.2:9000'], 'a numeric targetPort (default: port) needs no named port');
  const noName = snapshotOf(SERVICES.replace('ports: [{name: http, port: 8081}]', 'ports: [{name: grpc, port: 8081}]'));
  assert.deepEqual(routeOf(simulate(noName, req('/'))).backends[0].endpoints.map((e) => e.address), ['10.0.0.1'], 'a workload without the named port is skipped for that port');
  assert.equal(simulate(s, req('/', { port: 81 })).type, 'error');
});

test('PathPrefix matches element by element; a trailing slash in the prefix is ignored', () => {
  const s = snapshotOf(SERVICES + route('r', `    - matches: [{path: {type: PathPrefix, value: /abc/}}]\n${to('v2')}`));
  for (const p of ['/abc', '/abc/', '/abc/def', '/abc?x=1']) assert.deepEqual(split(simulate(s, req(p))), ['shop/v2:80=1'], p);
  for (const p of ['/abcd', '/ab', '/']) {
    const d = simulate(s, req(p));
    assert.equal(d.type, 'error', p);
    assert.equal((d as { status: number }).status, 404, 'routes are attached but none matches: 404');
  }
});

test('precedence: Exact, then the longest prefix, then method, then header count, then query count', () => {
  const s = snapshotOf(SERVICES + route('r', [
    `    - matches: [{path: {type: PathPrefix, value: /}}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /api}}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /api/v2}}]\n${to('v2')}`,
    `    - matches: [{path: {type: Exact, value: /api/v2/exact}}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /m}, headers: [{name: a, value: "1"}]}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /m}, method: POST}]\n${to('v2')}`,
    `    - matches: [{path: {type: PathPrefix, value: /h}, headers: [{name: a, value: "1"}]}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /h}, headers: [{name: a, value: "1"}, {name: b, value: "2"}]}]\n${to('v2')}`,
    `    - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: a, value: "1"}]}]\n${to('v1')}`,
    `    - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: a, value: "1"}, {name: b, value: "2"}]}]\n${to('v2')}`,
  ].join('\n')));
  assert.equal(ruleOf(simulate(s, req('/api/v2/exact'))), 'shop/r#3');
  assert.equal(ruleOf(simulate(s, req('/api/v2/more'))), 'shop/r#2');
  assert.equal(ruleOf(simulate(s, req('/api/other'))), 'shop/r#1');
  assert.equal(ruleOf(simulate(s, req('/other'))), 'shop/r#0');
  assert.equal(ruleOf(simulate(s, req('/m', { method: 'POST', headers: { a: '1' } }))), 'shop/r#5', 'a method match outranks a header match');
  assert.equal(ruleOf(simulate(s, req('/m', { method: 'GET', headers: { a: '1' } }))), 'shop/r#4');
  assert.equal(ruleOf(simulate(s, req('/h', { headers: { a: '1', b: '2' } }))), 'shop/r#7', 'more header matches win');
  assert.equal(ruleOf(simulate(s, req('/h', { headers: { a: '1' } }))), 'shop/r#6');
  assert.equal(ruleOf(simulate(s, req('/q?b=2&a=1'))), 'shop/r#9', 'more query matches win');
  assert.equal(ruleOf(simulate(s, req('/q?a=1'))), 'shop/r#8');
});

test('ties across routes: the oldest route, then namespace/name; within a route, the first rule', () => {
  const rules = (svc: string) => `    - matches: [{path: {type: PathPrefix, value: /t}}]\n${to(svc)}`;
  const older = snapshotOf(SERVICES + route('b-newer', rules('v2')) + route('z-older', rules('v1')), { 'b-newer': '2026-02-01T00:00:00Z', 'z-older': '2026-01-01T00:00:00Z' });
  assert.equal(ruleOf(simulate(older, req('/t'))), 'shop/z-older#0');
  const same = snapshotOf(SERVICES + route('b', rules('v2')) + route('a', rules('v1')), { a: '2026-01-01T00:00:00Z', b: '2026-01-01T00:00:00Z' });
  assert.equal(ruleOf(simulate(same, req('/t'))), 'shop/a#0');
  const inRoute = snapshotOf(SERVICES + route('r', `${rules('v2')}\n${rules('v1')}`));
  assert.equal(ruleOf(simulate(inRoute, req('/t'))), 'shop/r#0');
});

test('regular expressions: full matches, ranked between Exact and PathPrefix', () => {
  const s = snapshotOf(SERVICES + route('r', [
    `    - matches: [{path: {type: PathPrefix, value: /}}]\n${to('v1')}`,
    `    - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]\n${to('v2')}`,
  ].join('\n')));
  assert.deepEqual(split(simulate(s, req('/items/42'))), ['shop/v2:80=1']);
  assert.deepEqual(split(simulate(s, req('/items/42/x'))), ['shop/v1:80=1'], 'a regex must match the whole path');
  const re2 = snapshotOf(SERVICES + route('r', `    - matches: [{path: {type: RegularExpression, value: "(?i)/API/[[:digit:]]+"}}]\n${to('v2')}`));
  assert.deepEqual(split(simulate(re2, req('/api/7'))), ['shop/v2:80=1'], 'RE2 syntax (inline flags, POSIX classes), as the proxy runs it');
});

test('headers: names case-insensitive, values exact; only the first of equivalent names counts', () => {
  const s = snapshotOf(SERVICES + route('r', `    - matches: [{headers: [{name: X-Env, value: prod}, {name: x-env, value: dev}]}]\n${to('v2')}`));
  assert.deepEqual(split(simulate(s, req('/', { headers: { 'x-ENV': 'prod' } }))), ['shop/v2:80=1']);
  assert.equal(simulate(s, req('/', { headers: { 'x-env': 'Prod' } })).type, 'error');
  assert.equal(simulate(s, req('/', { headers: { 'x-env': 'dev' } })).type, 'error', 'the second x-env condition is ignored');
});

test('GAMMA attachment: parentRef port narrows, consumer routes apply only to their namespace and replace producer routes there', () => {
  const producer = route('producer', `    - backendRefs: [{name: v1, port: 80}]`);
  const consumer = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: consumer, namespace: client}
spec:
  parentRefs: [{group: "", kind: Service, name: web, namespace: shop}]
  rules: [{backendRefs: [{name: v2, port: 80}, {name: v2, namespace: shop, port: 80}]}]
`;
  const s = snapshotOf(SERVICES + producer + consumer);
  assert.equal(ruleOf(simulate(s, req('/'))), 'shop/producer#0');
  assert.equal(ruleOf(simulate(s, req('/', { clientNamespace: 'elsewhere', host: 'web.shop' }))), 'shop/producer#0', 'a namespace without consumer routes gets the producer route');
  const fromClient = simulate(s, { clientNamespace: 'client', host: 'web.shop', port: 80, path: '/' });
  assert.equal(routeOf(fromClient).route, 'client/consumer');
  assert.match(routeOf(fromClient).backends[0].invalid ?? '', /BackendNotFound: Service client\/v2/, 'a backendRef defaults to the route namespace');
  assert.match(routeOf(fromClient).backends[1].invalid ?? '', /RefNotPermitted/, 'a cross-namespace backendRef needs a ReferenceGrant');
  assert.equal(routeOf(fromClient).errorShare, 1);
  // The producer route names port 80: calls to port 9000 bypass it.
  assert.equal(routeOf(simulate(s, req('/', { port: 9000 }))).route, undefined);
});

test('backends: weights become shares; invalid backends get their share as 500; all-zero weights and no backends are 500', () => {
  const s = snapshotOf(SERVICES + route('r', [
    `    - matches: [{path: {value: /w}}]\n      backendRefs: [{name: v1, port: 80, weight: 3}, {name: v2, port: 80, weight: 1}, {name: gone, port: 80, weight: 0}]`,
    `    - matches: [{path: {value: /missing}}]\n      backendRefs: [{name: v1, port: 80}, {name: nope, port: 80}]`,
    `    - matches: [{path: {value: /zero}}]\n      backendRefs: [{name: v1, port: 80, weight: 0}]`,
    `    - matches: [{path: {value: /none}}]`,
    `    - matches: [{path: {value: /badport}}]\n      backendRefs: [{name: v1, port: 81}]`,
  ].join('\n')));
  assert.deepEqual(split(simulate(s, req('/w'))), ['shop/v1:80=0.75', 'shop/v2:80=0.25', 'shop/gone:80=0']);
  const perBackend = snapshotOf(SERVICES + route('r', `    - backendRefs:\n        - {name: v1, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-version, value: v1}]}}]}\n        - {name: v2, port: 80}`));
  const [b1, b2] = routeOf(simulate(perBackend, req('/'))).backends;
  assert.deepEqual(b1.filters, [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-version', value: 'v1' }] } }], 'a backendRef keeps its own filters');
  assert.equal(b2.filters, undefined);
  const missing = routeOf(simulate(s, req('/missing')));
  assert.equal(missing.errorShare, 0.5);
  assert.match(missing.backends[1].invalid ?? '', /BackendNotFound: Service shop\/nope does not exist/);
  assert.deepEqual(simulate(s, req('/zero')), { type: 'error', status: 500, reason: 'every backend of shop/r rule 2 has weight 0', service: 'shop/web' });
  assert.equal((simulate(s, req('/none')) as { status: number }).status, 500);
  assert.match(routeOf(simulate(s, req('/badport'))).backends[0].invalid ?? '', /has no TCP port 81/);
});

test('redirects and rewrites follow the HTTPPathModifier table', () => {
  const s = snapshotOf(SERVICES + route('r', [
    `    - matches: [{path: {value: /old}}]\n      filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]`,
    `    - matches: [{path: {value: /foo}}]\n      filters: [{type: URLRewrite, urlRewrite: {hostname: internal.example, path: {type: ReplacePrefixMatch, replacePrefixMatch: /xyz}}}]\n${to('v1')}`,
    `    - matches: [{path: {value: /strip}}]\n      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ""}}}]\n${to('v1')}`,
    `    - matches: [{path: {type: Exact, value: /full}}]\n      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /replaced}}}]\n${to('v1')}`,
  ].join('\n')));
  assert.deepEqual(simulate(s, req('/old/page?x=1')), { type: 'redirect', service: 'shop/web', route: 'shop/r', rule: 0, statusCode: 301, scheme: 'https', path: '/new/page' });
  const cases: [string, string][] = [['/foo/bar', '/xyz/bar'], ['/foo', '/xyz'], ['/foo/', '/xyz/'], ['/strip/bar', '/bar'], ['/strip/', '/'], ['/strip', '/'], ['/full', '/replaced']];
  for (const [path, want] of cases) assert.equal(routeOf(simulate(s, req(path))).rewrittenPath, want, path);
  assert.equal(routeOf(simulate(s, req('/foo/bar'))).rewrittenHost, 'internal.example');
});

test('retry: a stanza without attempts uses the defaults; none means no retries; attempts 0 disables', () => {
  const s = snapshotOf(SERVICES + route('r', [
    `    - matches: [{path: {value: /a}}]\n      retry: {codes: [503]}\n${to('v1')}`,
    `    - matches: [{path: {value: /b}}]\n      retry: {attempts: 0}\n${to('v1')}`,
    `    - matches: [{path: {value: /c}}]\n${to('v1')}`,
  ].join('\n')));
  assert.deepEqual(routeOf(simulate(s, req('/a'))).retry, { attempts: 2, codes: [503], backoffMs: 25 });
  assert.equal(routeOf(simulate(s, req('/b'))).retry.attempts, 0);
  assert.equal(routeOf(simulate(s, req('/c'))).retry.attempts, 0);
  assert.equal(routeOf(simulate(s, req('/c'))).timeouts.backendRequestMs, undefined);
});

test('TrafficPolicy: a port-specific policy beats a Service-wide one, then the oldest; sections merge', () => {
  const tp = (name: string, sectionName: string | undefined, body: string) => `---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: ${name}, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: web${sectionName ? `, sectionName: ${sectionName}` : ''}}]
${body}
`;
  const s = snapshotOf(SERVICES +
    tp('whole-old', undefined, '  loadBalancer: {type: RoundRobin}\n  timeouts: {request: 30s}') +
    tp('whole-new', undefined, '  loadBalancer: {type: Random}\n  connectionLimits: {maxRequests: 7}') +
    tp('http-port', 'http', '  timeouts: {request: 2s}'),
  { 'whole-old': '2026-01-01T00:00:00Z', 'whole-new': '2026-03-01T00:00:00Z', 'http-port': '2026-05-01T00:00:00Z' });
  const http = routeOf(simulate(s, req('/'))).policy;
  assert.equal(http.timeouts.request, '2s');
  assert.equal(http.loadBalancer.type, 'RoundRobin', 'the older of two Service-wide policies wins a section both set');
  assert.equal(http.connectionLimits.maxRequests, 7, 'a section only the newer one sets still applies');
  assert.deepEqual(http.sources, { timeouts: 'shop/http-port', loadBalancer: 'shop/whole-old', connectionLimits: 'shop/whole-new' });
  assert.equal(routeOf(simulate(s, req('/'))).timeouts.requestMs, 2000);
  const admin = routeOf(simulate(s, req('/', { port: 9000 }))).policy;
  assert.equal(admin.timeouts.request, '30s', 'the port-specific policy does not reach another port');
  assert.equal(admin.outlierDetection.interval, '10s', 'unset sections keep the defaults');
});

test('gRPC: examples/grpc splits 80/20, a header match picks v2, precedence favours the longer service match', () => {
  const s = exampleSnapshot('grpc');
  const call = (headers: Record<string, string> = {}, method = 'SayHello') =>
    simulate(s, { clientNamespace: 'shop', host: 'greeter', port: 50051, grpc: { service: 'helloworld.Greeter', method }, headers });
  assert.deepEqual(split(call({ 'x-version': 'v2' })), ['shop/greeter-v2:50051=1']);
  assert.deepEqual(split(call()), ['shop/greeter-v1:50051=0.8', 'shop/greeter-v2:50051=0.2']);
  assert.deepEqual(split(call({ 'x-version': 'v2' }, 'SayGoodbye')), ['shop/greeter-v1:50051=0.8', 'shop/greeter-v2:50051=0.2'], 'the v2 rule names SayHello only');
  const prec = snapshotOf(`
apiVersion: v1
kind: Service
metadata: {name: g, namespace: shop}
spec: {ports: [{name: grpc, port: 50051}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: g}]
  rules:
    - matches: [{method: {method: Get}, headers: [{name: a, value: "1"}]}]
      backendRefs: [{name: by-method, port: 50051}]
    - matches: [{method: {service: pkg.Items}}]
      backendRefs: [{name: by-service, port: 50051}]
`);
  const d = simulate(prec, { clientNamespace: 'shop', host: 'g', port: 50051, grpc: { service: 'pkg.Items', method: 'Get' }, headers: { a: '1' } });
  assert.equal(routeOf(d).rule, 1, 'characters in a matching service outrank a method and a header match');
  const none = simulate(prec, { clientNamespace: 'shop', host: 'g', port: 50051, grpc: { service: 'pkg.Other', method: 'List' } });
  assert.equal((none as { status: number }).status, 404);
});

test('hosts resolve from the client namespace the way Kubernetes DNS does', () => {
  const s = snapshotOf(SERVICES);
  assert.equal(routeOf(simulate(s, { clientNamespace: 'shop', host: 'web', port: 80 })).service, 'shop/web');
  assert.equal(routeOf(simulate(s, { clientNamespace: 'other', host: 'web.shop.svc', port: 80 })).service, 'shop/web');
  assert.equal(routeOf(simulate(s, { clientNamespace: 'other', host: 'WEB.shop.svc.cluster.local.', port: 80 })).service, 'shop/web');
  assert.equal(simulate(s, { clientNamespace: 'other', host: 'web', port: 80 }).type, 'error', 'a short name resolves in the client namespace only');
  assert.equal(simulate(s, { clientNamespace: 'shop', host: 'web.shop.svc.other.domain', port: 80 }).type, 'error');
});
