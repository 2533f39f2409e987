// Translation tests: every resource translated from examples/mesh and examples/grpc passes the
// decoder of Weft's proxy (src/xds/envoy, the same checks an ADS update meets), and the
// produced tables make the decisions the model makes — checked with a tiny first-match walker
// over the Envoy routes (not the proxy's router: control and proxy do not import each other).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeDiscovered, Issues, TYPE_URLS, DISCOVERED_TYPES } from '../../xds/envoy/index.ts';
import { exampleSnapshot, snapshotOf } from '../model/testkit.ts';
import { classifyNode, translateNode, type NodeResources } from './index.ts';

type J = Record<string, any>;

function assertDecodes(resources: NodeResources, skipListeners = false): void {
  for (const type of DISCOVERED_TYPES) {
    if (skipListeners && type === TYPE_URLS.listener) continue;
    const issues = new Issues();
    decodeDiscovered(type, resources[type], issues);
    assert.equal(issues.size, 0, `${type}: ${JSON.stringify(issues)}`);
  }
}

/** First-match walk over a virtual host's routes, for the match kinds the translator emits. */
function pick(vhost: J, req: { path: string; headers?: Record<string, string> }): J | undefined {
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const path = req.path.split('?')[0];
  const str = (m: J, v: string | undefined) => v !== undefined && (m.exact !== undefined ? v === m.exact : m.prefix !== undefined ? v.startsWith(m.prefix) : new RegExp(`^(?:${m.safe_regex.regex})$`).test(v));
  return vhost.routes.find((r: J) => {
    const m = r.match;
    if (m.path !== undefined && path !== m.path) return false;
    if (m.prefix !== undefined && !path.startsWith(m.prefix)) return false;
    if (m.path_separated_prefix !== undefined && !(path === m.path_separated_prefix || path.startsWith(`${m.path_separated_prefix}/`))) return false;
    if (m.safe_regex !== undefined && !new RegExp(`^(?:${m.safe_regex.regex})$`).test(path)) return false;
    return (m.headers ?? []).every((h: J) => str(h.string_match, headers[h.name]));
  });
}
const vhostFor = (rc: J, host: string) => rc.virtual_hosts.find((v: J) => v.domains.includes(host));
const weights = (r: J) => r.route.cluster ? { [r.route.cluster]: 1 } : Object.fromEntries(r.route.weighted_clusters.clusters.map((c: J) => [c.name, c.weight]));

const sidecar = classifyNode({ 'weft.dev/workload': 'shop/frontend-1', 'weft.dev/inbound-port': '15106' });
const proxyless = classifyNode({ 'weft.dev/client': 'proxyless-grpc', 'weft.dev/namespace': 'shop' });

test('node metadata names the kind of client', () => {
  assert.deepEqual(sidecar, { kind: 'sidecar', namespace: 'shop', workload: 'shop/frontend-1', inboundPort: 15106, outboundPort: 15001, mtls: false });
  assert.equal((classifyNode({ 'weft.dev/workload': 'shop/frontend-1', 'weft.dev/identity': 'spiffe://cluster.local/ns/shop/sa/frontend' }) as { mtls: boolean }).mtls, true);
  assert.equal(classifyNode({ PROXYLESS_GRPC: true }).kind, 'proxyless-grpc');
  assert.deepEqual(classifyNode(undefined), { kind: 'sidecar', namespace: 'default', inboundPort: 15006, outboundPort: 15001, mtls: false });
  assert.deepEqual(classifyNode({ 'weft.dev/workload': { metadata: { name: 'a', namespace: 'x' } } }), { kind: 'sidecar', namespace: 'x', workload: 'x/a', inboundPort: 15006, outboundPort: 15001, mtls: false });
});

test('examples/mesh for a sidecar: valid Envoy config for Weft\'s proxy, and the route decisions of the model', () => {
  const s = exampleSnapshot('mesh');
  const r = translateNode(s, sidecar, new Map([['shop/backend-v2-1', { inboundPort: 15206, mtls: false }]]));
  assertDecodes(r);
  const [outbound, inbound] = r[TYPE_URLS.routeConfiguration] as J[];
  assert.equal(outbound.name, '15001');
  const backend = vhostFor(outbound, 'backend:8080');
  assert.equal(vhostFor(outbound, 'backend.shop.svc.cluster.local:8080'), backend);
  assert.equal(vhostFor(outbound, 'backend'), backend, 'a Host without a port means the only port');
  assert.deepEqual(weights(pick(backend, { path: '/x', headers: { 'X-Canary': 'true' } })!), { 'outbound|8080||backend-v2.shop.svc.cluster.local': 1 });
  const split = pick(backend, { path: '/items' })!;
  assert.deepEqual(weights(split), { 'outbound|8080||backend-v1.shop.svc.cluster.local': 90, 'outbound|8080||backend-v2.shop.svc.cluster.local': 10 });
  assert.equal(split.route.timeout, '5s');
  assert.deepEqual(split.route.retry_policy, {
    retry_on: 'connect-failure,refused-stream,reset,retriable-status-codes', num_retries: 2, retriable_status_codes: [502, 503],
    retry_back_off: { base_interval: '0.1s' }, per_try_timeout: '2s',
  });
  // No route: the Service's own cluster with the policy's default timeout (15 s).
  assert.deepEqual(pick(vhostFor(outbound, 'frontend'), { path: '/' })!.route, { cluster: 'outbound|80||frontend.shop.svc.cluster.local', timeout: '15s' });
  // The TrafficPolicy shapes backend's cluster; peak-EWMA is the default balancer.
  const clusters = new Map((r[TYPE_URLS.cluster] as J[]).map((c) => [c.name, c]));
  const be = clusters.get('outbound|8080||backend.shop.svc.cluster.local')!;
  assert.equal(be.connect_timeout, '1s');
  assert.deepEqual(be.circuit_breakers.thresholds[0], {
    max_connections: 100, max_pending_requests: 50, max_requests: 200, retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 10 },
  });
  assert.equal(be.outlier_detection.max_ejection_percent, 50);
  assert.equal(be.load_balancing_policy.policies[0].typed_extension_config.typed_config.type_url, 'type.googleapis.com/weft.balance.v1.PeakEwma');
  // EDS: a Workload with a connected sidecar is reached at its inbound port.
  const cla = (r[TYPE_URLS.clusterLoadAssignment] as J[]).find((c) => c.cluster_name === 'outbound|8080||backend-v2.shop.svc.cluster.local')!;
  assert.deepEqual(cla.endpoints[0].lb_endpoints.map((e: J) => e.endpoint.address.socket_address), [{ address: '127.0.0.3', port_value: 15206 }]);
  // Inbound: frontend's Workload serves frontend:80 on app port 3000.
  assert.equal(inbound.name, 'inbound|15106');
  assert.deepEqual(pick(vhostFor(inbound, 'frontend'), { path: '/' })!.route.cluster, 'inbound|3000||frontend.shop.svc.cluster.local');
  const listeners = (r[TYPE_URLS.listener] as J[]).map((l) => [l.name, l.address.socket_address.port_value]);
  assert.deepEqual(listeners, [['outbound', 15001], ['inbound', 15106]]);
  assert.ok(clusters.get('inbound|3000||frontend.shop.svc.cluster.local'));
});

test('examples/grpc for a proxyless client: one client listener per Service port, the GRPCRoute as its table', () => {
  const s = exampleSnapshot('grpc');
  const r = translateNode(s, proxyless, new Map());
  // Weft's proxy has no api_listener (gRPC reads those); the other types decode.
  assertDecodes(r, true);
  const target = 'greeter.shop.svc.cluster.local:50051';
  const listener = (r[TYPE_URLS.listener] as J[]).find((l) => l.name === target)!;
  assert.equal(listener.api_listener.api_listener.rds.route_config_name, target);
  assert.equal(listener.api_listener.api_listener.common_http_protocol_options.max_stream_duration, '15s');
  const rc = (r[TYPE_URLS.routeConfiguration] as J[]).find((x) => x.name === target)!;
  const vh = vhostFor(rc, target);
  assert.deepEqual(weights(pick(vh, { path: '/helloworld.Greeter/SayHello', headers: { 'x-version': 'v2' } })!), { 'outbound|50051||greeter-v2.shop.svc.cluster.local': 1 });
  assert.deepEqual(weights(pick(vh, { path: '/helloworld.Greeter/SayHello' })!), {
    'outbound|50051||greeter-v1.shop.svc.cluster.local': 80, 'outbound|50051||greeter-v2.shop.svc.cluster.local': 20,
  });
  assert.ok((r[TYPE_URLS.cluster] as J[]).every((c) => c.lb_policy === 'ROUND_ROBIN' && c.type === 'EDS'));
});

test('examples/grpc for a sidecar: gRPC rules guarded by content-type, HTTP/2 upstream', () => {
  const r = translateNode(exampleSnapshot('grpc'), classifyNode({ 'weft.dev/namespace': 'shop' }), new Map());
  assertDecodes(r);
  const vh = vhostFor((r[TYPE_URLS.routeConfiguration] as J[])[0], 'greeter:50051');
  assert.equal(pick(vh, { path: '/helloworld.Greeter/SayHello' })!.name, 'default', 'not gRPC: the Service itself');
  assert.equal(pick(vh, { path: '/helloworld.Greeter/SayHello', headers: { 'content-type': 'application/grpc' } })!.name, 'shop/greeter#1');
  const c = (r[TYPE_URLS.cluster] as J[]).find((x) => x.name === 'outbound|50051||greeter.shop.svc.cluster.local')!;
  assert.ok(c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config.http2_protocol_options);
});

const FILTERS = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: shadow, namespace: shop}
spec: {selector: {app: shadow}, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: web, port: 80}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /old/}}]
      filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
    - matches: [{path: {type: PathPrefix, value: /api}, method: POST}]
      filters:
        - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: "1"}], remove: [x-b]}}
        - {type: URLRewrite, urlRewrite: {hostname: internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}
        - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}, percent: 10}}
      backendRefs: [{name: web, port: 80}]
      timeouts: {request: 0s}
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: web, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: web}]
  loadBalancer: {type: RingHash, ringHash: {hashPolicies: [{type: Header, header: {name: x-user}}]}}
  faultInjection: {abort: {httpStatus: 503, percentage: 12.5}}
  localRateLimit: {requestRate: {num: 5, interval: 1s}}
  outlierDetection: {disabled: true}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {address: 127.0.0.1, ports: [{port: 8080}]}
`;

test('filters, redirects, rewrites, mirrors, policy: translated and accepted by the proxy\'s decoder', () => {
  const r = translateNode(snapshotOf(FILTERS), classifyNode({ 'weft.dev/workload': 'shop/web-1' }), new Map());
  assertDecodes(r);
  const [outbound, inbound] = r[TYPE_URLS.routeConfiguration] as J[];
  const vh = vhostFor(outbound, 'web');
  assert.deepEqual(vh.typed_per_filter_config['envoy.filters.http.fault'].abort, { http_status: 503, percentage: { numerator: 125000, denominator: 'MILLION' } });
  const redirect = pick(vh, { path: '/old/x' })!;
  assert.deepEqual(redirect.redirect, { response_code: 'MOVED_PERMANENTLY', prefix_rewrite: '/new' });
  const api = pick(vh, { path: '/api/v1', headers: { ':method': 'POST' } })!;
  assert.equal(api.route.host_rewrite_literal, 'internal');
  assert.deepEqual(api.route.regex_rewrite, { pattern: { regex: '^/api/*' }, substitution: '/' });
  assert.equal(api.route.timeout, '0s');
  assert.deepEqual(api.route.request_mirror_policies, [{ cluster: 'outbound|80||shadow.shop.svc.cluster.local', runtime_fraction: { default_value: { numerator: 100000, denominator: 'MILLION' } } }]);
  assert.deepEqual(api.route.hash_policy, [{ header: { header_name: 'x-user' } }]);
  assert.deepEqual(api.request_headers_to_remove, ['x-b']);
  assert.equal(pick(vh, { path: '/api/v1', headers: { ':method': 'GET' } }), undefined, 'method match');
  const web = (r[TYPE_URLS.cluster] as J[]).find((c) => c.name === 'outbound|80||web.shop.svc.cluster.local')!;
  assert.equal(web.lb_policy, 'RING_HASH');
  assert.equal(web.outlier_detection, undefined);
  assert.deepEqual(vhostFor(inbound, 'web:80').typed_per_filter_config['envoy.filters.http.local_ratelimit'].token_bucket, { max_tokens: 5, tokens_per_fill: 5, fill_interval: '1s' });
});

test('AuthorizationPolicies become RBAC filters before the router of the inbound listener only, which normalizes paths', () => {
  const base = new URL('../../../examples/mesh/', import.meta.url).pathname;
  const mesh = ['services.yaml', 'workloads.yaml'].map((f) => readFileSync(base + f, 'utf8')).join('\n---\n');
  const policies = `
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-admin, namespace: shop}
spec: {selector: {matchLabels: {app: frontend}}, action: DENY, rules: [{to: [{operation: {paths: [/admin/*]}}]}]}
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: backend-only, namespace: shop}
spec: {selector: {matchLabels: {app: backend}}, action: ALLOW, rules: [{to: [{operation: {methods: [GET]}}]}]}
`;
  const r = translateNode(snapshotOf(`${mesh}\n---\n${policies}`), sidecar, new Map());
  assertDecodes(r);
  const hcm = (name: string) => (r[TYPE_URLS.listener] as J[]).find((l) => l.name === name)!.filter_chains[0].filters[0].typed_config;
  const inbound = hcm('inbound');
  assert.deepEqual(inbound.http_filters.map((f: J) => f.name), ['weft.authz.deny', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.router']);
  assert.deepEqual(inbound.http_filters[0].typed_config.rules, {
    action: 'DENY', policies: { 'shop/no-admin[0]': { permissions: [{ url_path: { path: { prefix: '/admin/' } } }], principals: [{ any: true }] } },
  });
  assert.deepEqual([inbound.normalize_path, inbound.merge_slashes, inbound.path_with_escaped_slashes_action], [true, true, 'UNESCAPE_AND_FORWARD']);
  const outbound = hcm('outbound');
  assert.ok(!outbound.http_filters.some((f: J) => f.name.startsWith('weft.authz.')), 'the caller\'s side enforces nothing');
  assert.equal(outbound.normalize_path, undefined);
});

test('mTLS: PERMISSIVE inbound has a TLS and a plaintext chain, STRICT only TLS; outbound TLS goes to identity-holding sidecars only, checked by SPIFFE ID', () => {
  const withId = classifyNode({ 'weft.dev/workload': 'shop/frontend-1', 'weft.dev/identity': 'spiffe://cluster.local/ns/shop/sa/frontend' });
  const sidecars = new Map([['shop/frontend-1', { inboundPort: 15006, mtls: true }], ['shop/backend-v1-1', { inboundPort: 15106, mtls: true }], ['shop/backend-v2-1', { inboundPort: 15206, mtls: false }]]);
  const permissive = translateNode(exampleSnapshot('mesh'), withId, sidecars);
  assertDecodes(permissive);
  const inbound = (r: NodeResources) => (r[TYPE_URLS.listener] as J[]).find((l) => l.name === 'inbound');
  const chains = inbound(permissive)!.filter_chains as J[];
  assert.deepEqual(chains.map((c) => [c.filter_chain_match?.transport_protocol, c.transport_socket !== undefined]), [['tls', true], ['raw_buffer', false]]);
  assert.equal(chains[0].transport_socket.typed_config.require_client_certificate, true);
  assert.equal(inbound(permissive)!.listener_filters[0].name, 'envoy.filters.listener.tls_inspector');
  const backend = (permissive[TYPE_URLS.cluster] as J[]).find((c) => c.name === 'outbound|8080||backend.shop.svc.cluster.local')!;
  const upstream = backend.transport_socket_matches[0].transport_socket.typed_config.common_tls_context;
  // backend-v2-1's sidecar has no identity: only backend-v1-1's service account is accepted, and only it is marked.
  assert.deepEqual(upstream.combined_validation_context.default_validation_context.match_typed_subject_alt_names.map((m: J) => m.matcher.exact), ['spiffe://cluster.local/ns/shop/sa/backend']);
  assert.ok(backend.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].auto_config);
  const cla = (permissive[TYPE_URLS.clusterLoadAssignment] as J[]).find((c) => c.cluster_name === 'outbound|8080||backend.shop.svc.cluster.local')!;
  assert.deepEqual(cla.endpoints[0].lb_endpoints.map((e: J) => e.metadata?.filter_metadata['weft.dev'].identity ?? null), ['spiffe://cluster.local/ns/shop/sa/backend', null]);
  const strictMesh = { ...exampleSnapshot('mesh') };
  strictMesh.mesh = { ...strictMesh.mesh, mtls: { mode: 'STRICT' } };
  const strict = translateNode(strictMesh, withId, sidecars);
  assertDecodes(strict);
  assert.deepEqual((inbound(strict)!.filter_chains as J[]).map((c) => c.transport_socket !== undefined), [true]);
  assert.equal(inbound(strict)!.listener_filters, undefined);
  // A sidecar without an identity: plaintext outbound; under STRICT no inbound listener at all.
  const plain = classifyNode({ 'weft.dev/workload': 'shop/frontend-1' });
  assert.equal((translateNode(strictMesh, plain, sidecars)[TYPE_URLS.cluster] as J[]).some((c) => c.transport_socket_matches), false);
  assert.equal(inbound(translateNode(strictMesh, plain, sidecars)), undefined);
  assert.ok(inbound(translateNode(exampleSnapshot('mesh'), plain, sidecars)), 'PERMISSIVE: plaintext inbound');
  // A proxyless gRPC client gets no TLS metadata.
  const grpc = translateNode(exampleSnapshot('mesh'), proxyless, sidecars);
  assert.equal(JSON.stringify(grpc[TYPE_URLS.clusterLoadAssignment]).includes('tlsMode'), false);
});
