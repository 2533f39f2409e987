// Validation as a user meets it: the examples pass; each broken input names the field path
// and the reason, every problem at once; defaults are filled in as the API server would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { validateResource, loadResources, formatProblems, fieldPath, type Resource } from './index.ts';

const EXAMPLES = ['mesh', 'grpc'].map((d) => new URL(`../../examples/${d}/`, import.meta.url).pathname);

function problemsOf(input: unknown): string[] {
  const v = validateResource(input);
  assert.equal(v.ok, false, 'expected the resource to be refused');
  return v.ok ? [] : v.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
}
function ok(input: unknown): Resource {
  const v = validateResource(input);
  assert.ok(v.ok, v.ok ? '' : v.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  return v.resource;
}

const route = (spec: unknown) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web' }, spec });
const parent = [{ group: '', kind: 'Service', name: 'web', port: 80 }];

test('every example in examples/mesh and examples/grpc validates', () => {
  let count = 0;
  for (const dir of EXAMPLES) {
    for (const file of readdirSync(dir)) {
      const r = loadResources(readFileSync(dir + file, 'utf8'), file);
      assert.ok(r.ok, r.ok ? '' : formatProblems(r.problems, r.total));
      count += r.resources.length;
    }
  }
  assert.equal(count, 14);
});

test('defaults are filled in as the CRDs define them', () => {
  const r = ok(route({ parentRefs: parent, rules: [{ backendRefs: [{ name: 'web-v1', port: 80 }] }] }));
  const spec = r.spec as { rules: { matches: unknown[]; backendRefs: { weight: number; group: string; kind: string }[] }[] };
  assert.deepEqual(spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  assert.equal(spec.rules[0].backendRefs[0].weight, 1);
  assert.equal(spec.rules[0].backendRefs[0].kind, 'Service');
  assert.equal(spec.rules[0].backendRefs[0].group, '');
  assert.equal(r.metadata.namespace, 'default');
  const noRules = ok(route({ parentRefs: parent })).spec as { rules: unknown[] };
  assert.deepEqual(noRules.rules, [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
});

test('Gateway API path value rules, each with its field path', () => {
  const bad = ['foo', '/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a#x', '/a/..', '/a/.', '/a b'];
  const p = problemsOf(route({ parentRefs: parent, rules: [{ matches: bad.map((value) => ({ path: { type: 'Exact', value } })) }] }));
  assert.equal(p.length, bad.length);
  assert.match(p[0], /^spec\.rules\[0\]\.matches\[0\]\.path\.value: value must be an absolute path and start with '\/'/);
  assert.match(p[1], /matches\[1\]\.path\.value: must not contain '\/\/'/);
  assert.match(p[4], /must not contain '%2f'/);
  assert.match(p[6], /must not end with '\/\.\.'/);
  assert.match(p[8], /must only contain valid characters/);
  // The same values are fine as regular expressions, which have their own rules.
  ok(route({ parentRefs: parent, rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/api/v[0-9]+/.*' } }] }] }));
  assert.match(problemsOf(route({ parentRefs: parent, rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/(a' } }] }] }))[0], /path\.value: not a valid regular expression/);
  assert.match(problemsOf(route({ parentRefs: parent, rules: [{ matches: [{ headers: [{ type: 'RegularExpression', name: 'x', value: '(a)\\1' }] }] }] }))[0], /headers\[0\]\.value: RE2 syntax/);
});

test('all problems are reported at once, capped at 20', () => {
  const many = Array.from({ length: 30 }, () => ({ path: { type: 'Exact', value: 'nope' } }));
  const v = validateResource(route({ parentRefs: parent, rules: [{ matches: many }] }));
  assert.ok(!v.ok);
  assert.equal(v.issues.length, 20);
  assert.equal(v.dropped, 10);
});

test('structural problems: unknown fields, wrong types, enums, ranges', () => {
  const p = problemsOf(route({
    parentRefs: parent,
    rules: [{ backendRef: [], matches: [{ method: 'get', path: { type: 'Prefix' } }], backendRefs: [{ name: 'x', port: 70000, weight: -1 }] }],
  }));
  const text = p.join('\n');
  assert.match(text, /spec\.rules\[0\]\.backendRef: unknown field "backendRef" \(did you mean "backendRefs"\?\)/);
  assert.match(text, /spec\.rules\[0\]\.matches\[0\]\.method: must be one of "GET".*did you mean "GET"\?/);
  assert.match(text, /matches\[0\]\.path\.type: must be one of "Exact", "PathPrefix", "RegularExpression"; got the string "Prefix"/);
  assert.match(text, /backendRefs\[0\]\.port: must be between 1 and 65535, got 70000/);
  assert.match(text, /backendRefs\[0\]\.weight: must be between 0 and 1000000, got -1/);
});

test('HTTPRoute CEL rules: filters, redirects, rewrites, timeouts', () => {
  const t = problemsOf(route({
    parentRefs: parent,
    rules: [
      { filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 301 } }], backendRefs: [{ name: 'a', port: 80 }] },
      { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } }], matches: [{ path: { type: 'Exact', value: '/a' } }] },
      { filters: [{ type: 'RequestHeaderModifier' }] },
      { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-A', value: '1' }], remove: ['x-a'] } }] },
      { timeouts: { request: '1s', backendRequest: '2s' } },
      { backendRefs: [{ name: 'a' }] },
      { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, percent: 5, fraction: { numerator: 1 } } }] },
    ],
  })).join('\n');
  assert.match(t, /rules\[0\]\.filters: RequestRedirect filter must not be used together with backendRefs/);
  assert.match(t, /rules\[1\]\.matches: When using a RequestRedirect or URLRewrite filter with path\.replacePrefixMatch, exactly one PathPrefix match/);
  assert.match(t, /rules\[2\]\.filters\[0\]\.requestHeaderModifier: filter\.requestHeaderModifier must be specified for RequestHeaderModifier filter\.type/);
  assert.match(t, /rules\[3\]\.filters\[0\]\.requestHeaderModifier\.remove\[0\]: header "x-a" already has an action/);
  assert.match(t, /rules\[4\]\.timeouts\.backendRequest: backendRequest timeout cannot be longer than request timeout/);
  assert.match(t, /rules\[5\]\.backendRefs\[0\]\.port: a port is required for a Service reference/);
  assert.match(t, /rules\[6\]\.filters\[0\]\.requestMirror: Only one of percent or fraction/);
  assert.match(problemsOf(route({ parentRefs: parent, rules: [{ timeouts: { request: '1.5s' } }] }))[0], /timeouts\.request: "1\.5s" must be a Gateway API duration/);
});

test('parentRefs must be Services (GAMMA); a Gateway parent says why', () => {
  const p = problemsOf(route({ parentRefs: [{ name: 'gw' }] }));
  assert.match(p[0], /^spec\.parentRefs\[0\]: Weft attaches routes to Services \(GAMMA\) and has no Gateway yet/);
});

test('GRPCRoute method matches', () => {
  const g = (matches: unknown) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g' }, spec: { parentRefs: parent, rules: [{ matches }] } });
  ok(g([{ method: { service: 'helloworld.Greeter', method: 'SayHello' } }]));
  const p = problemsOf(g([{ method: {} }, { method: { service: 'bad-name' } }, { method: { method: 'Say.Hello' } }])).join('\n');
  assert.match(p, /matches\[0\]\.method: One or both of 'service' or 'method' must be specified/);
  assert.match(p, /matches\[1\]\.method\.service: service must only contain valid characters/);
  assert.match(p, /matches\[2\]\.method\.method: method must only contain valid characters/);
  assert.match(problemsOf({ ...g([]), spec: { parentRefs: parent, rules: [{ timeouts: { request: '1s' } }] } })[0], /unknown field "timeouts"/);
});

test('Service: names, duplicate ports, named ports required, targetPort', () => {
  const svc = (name: string, ports: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports } });
  const p = problemsOf(svc('web', [{ port: 80 }, { name: 'http', port: 80 }, { name: 'http', port: 81, targetPort: 'Not_A_Name' }])).join('\n');
  assert.match(p, /spec\.ports\[0\]\.name: a name is required when there is more than one port/);
  assert.match(p, /spec\.ports\[1\]\.port: duplicate port 80\/TCP/);
  assert.match(p, /spec\.ports\[2\]\.name: duplicate port name "http"/);
  assert.match(p, /spec\.ports\[2\]\.targetPort: "Not_A_Name" is not a valid port name/);
  assert.match(problemsOf(svc('1web', [{ port: 80 }]))[0], /metadata\.name: "1web" must be a DNS-1035 label/);
  assert.match(problemsOf(svc('web', [{ port: '80' }]))[0], /spec\.ports\[0\]\.port: expected an integer, got the string "80" \(remove the quotes\)/);
  const good = ok(svc('web', [{ name: 'http', port: 80, targetPort: 'http' }]));
  assert.equal((good.spec as { ports: { protocol: string }[] }).ports[0].protocol, 'TCP');
});

test('Workload: address and labels', () => {
  const wl = (address: string, labels: Record<string, string>) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: 'w', labels }, spec: { address } });
  const p = problemsOf(wl('not an address', { 'bad key!': 'x', app: '-bad-' })).join('\n');
  assert.match(p, /spec\.address: "not an address" is neither an IP address nor a DNS name/);
  assert.match(p, /metadata\.labels\["bad key!"\]: label key/);
  assert.match(p, /metadata\.labels\.app: label value "-bad-"/);
  assert.equal((ok(wl('10.0.0.1', { app: 'x' })).spec as { serviceAccount: string }).serviceAccount, 'default');
});

test('TrafficPolicy: target kinds, ring hash needs hash policies, exactly one abort status', () => {
  const tp = (spec: unknown) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: 't' }, spec });
  const target = [{ group: '', kind: 'Service', name: 'web' }];
  const p = problemsOf(tp({
    targetRefs: [{ group: 'apps', kind: 'Deployment', name: 'web' }],
    loadBalancer: { type: 'RingHash' },
    faultInjection: { abort: { percentage: 10 } },
    localRateLimit: { requestRate: { num: 10, interval: '10ms' } },
  })).join('\n');
  assert.match(p, /spec\.targetRefs\[0\]: a TrafficPolicy targets a Service/);
  assert.match(p, /spec\.loadBalancer\.ringHash: ringHash\.hashPolicies is required when type is RingHash/);
  assert.match(p, /spec\.faultInjection\.abort: set exactly one of httpStatus or grpcStatus/);
  assert.match(p, /localRateLimit\.requestRate\.interval: must be at least 50ms/);
  const hp = problemsOf(tp({ targetRefs: target, loadBalancer: { type: 'RingHash', ringHash: { hashPolicies: [{ type: 'Header' }] } } }));
  assert.match(hp[0], /hashPolicies\[0\]\.header: header is required when type is Header/);
  const good = ok(tp({ targetRefs: target, outlierDetection: {} })).spec as { outlierDetection: Record<string, unknown> };
  assert.deepEqual(good.outlierDetection, { disabled: false, consecutive5xxErrors: 5, consecutiveGatewayErrors: 0, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 });
});

test('MeshConfig is a cluster-scoped singleton named default', () => {
  const mc = (name: string, spec: unknown) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'MeshConfig', metadata: { name, namespace: 'ignored' }, spec });
  assert.match(problemsOf(mc('mesh', {}))[0], /metadata\.name: there is one MeshConfig per mesh and it is named "default"/);
  assert.match(problemsOf(mc('default', { mtls: { mode: 'strict' } }))[0], /spec\.mtls\.mode: must be one of "STRICT", "PERMISSIVE"; got the string "strict" \(did you mean "STRICT"\?/);
  assert.match(problemsOf(mc('default', { certificates: { workloadTTL: '90000h', rootTTL: '24h' } }))[0], /certificates\.workloadTTL: must be shorter than rootTTL/);
  const r = ok(mc('default', {}));
  assert.equal(r.metadata.namespace, undefined);
  assert.equal((r.spec as { trustDomain: string }).trustDomain, 'cluster.local');
});

test('envelope: unknown kind, wrong apiVersion, missing spec', () => {
  assert.match(problemsOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} })[0], /^kind: unknown kind "Pod" \(Weft serves Service, Workload/);
  assert.match(problemsOf({ apiVersion: 'v1', kind: 'httproute', metadata: { name: 'p' }, spec: {} })[0], /did you mean "HTTPRoute"/);
  assert.match(problemsOf({ ...route({ parentRefs: parent }), apiVersion: 'gateway.networking.k8s.io/v1beta1' })[0], /^apiVersion: HTTPRoute is served as apiVersion "gateway\.networking\.k8s\.io\/v1"/);
  assert.match(problemsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } })[0], /^spec: required field "spec" is missing/);
});

test('loadResources points each problem at file:line:col', () => {
  const text = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs: [{group: "", kind: Service, name: web, port: 80}]
  rules:
    - matches:
        - path:
            type: Exact
            value: nope
`;
  const r = loadResources(text, 'mesh.yaml');
  assert.ok(!r.ok);
  assert.equal(r.total, 1);
  assert.equal(r.problems[0].where, 'mesh.yaml:17:20');
  assert.equal(r.problems[0].field, 'spec.rules[0].matches[0].path.value');
  assert.equal(r.problems[0].resource, 'HTTPRoute default/web');
  assert.match(formatProblems(r.problems, r.total), /^mesh\.yaml:17:20: HTTPRoute default\/web: spec\.rules\[0\]\.matches\[0\]\.path\.value: value must be an absolute path/);
});

test('loadResources: YAML errors, duplicates, -n conflicts, List documents', () => {
  const yamlErr = loadResources('a: [1, 2\n', 'bad.yaml');
  assert.ok(!yamlErr.ok);
  assert.match(yamlErr.problems[0].where, /^bad\.yaml:\d+:\d+$/);
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\nspec: {ports: [{port: 80}]}\n';
  const dup = loadResources(`${svc}---\n${svc}`, 'd.yaml');
  assert.ok(!dup.ok);
  assert.match(dup.problems[0].message, /Service a\/web appears twice in the input \(first at d\.yaml:1:1\)/);
  const ns = loadResources(svc, 'n.yaml', { namespace: 'b' });
  assert.ok(!ns.ok);
  assert.match(ns.problems[0].message, /does not match the namespace "b" given with -n/);
  const badNs = loadResources(svc.replace('namespace: a', 'labels: {}'), 'n.yaml', { namespace: 'Bad_NS' });
  assert.ok(!badNs.ok);
  assert.match(badNs.problems[0].message, /the namespace "Bad_NS" \(from -n\) must be a DNS-1123 label/);
  const clusterScoped = loadResources('apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: default, namespace: x}\nspec: {}\n', 'm.yaml', { namespace: 'b' });
  assert.ok(clusterScoped.ok, 'a cluster-scoped kind ignores the namespace, as kubectl does');
  const list = loadResources(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: 1 }] } }] }), 'l.json');
  assert.ok(list.ok);
  assert.equal(list.resources.length, 1);
  const empty = loadResources('# nothing\n', 'e.yaml');
  assert.ok(!empty.ok);
  assert.match(empty.problems[0].message, /no resources found/);
});

test('hostile input is refused before it costs much (RELIABILITY.md D5)', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const bomb = loadResources(`${lines.join('\n')}\n`, 'bomb.yaml');
  assert.ok(!bomb.ok);
  assert.match(formatProblems(bomb.problems, bomb.total), /^bomb\.yaml:1:1: YAML: Excessive alias count/);
  const doc = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 1}]}\n';
  const many = loadResources(Array.from({ length: 5001 }, () => doc).join('---\n'), 'many.yaml');
  assert.ok(!many.ok);
  assert.equal(formatProblems(many.problems, many.total), 'many.yaml: 5001 documents is more than 5000; split the input');
  const big = loadResources(`# ${'x'.repeat(8 * 1024 * 1024)}\n`, 'big.yaml');
  assert.ok(!big.ok);
  assert.match(formatProblems(big.problems, big.total), /^big\.yaml: \d+ bytes is more than the 8388608 bytes one input may have/);
});

test('structural and cross-field problems are reported together, each once', () => {
  const p = problemsOf(route({
    parentRefs: [{ name: 'gw' }],
    rules: [
      { matches: [{ method: 'get', path: { type: 'Exact', value: '/a//b' } }], backendRefs: [{ name: 'x', port: '80', weight: -1 }], timeouts: { request: '1s', backendRequest: '2s' } },
      'not a rule',
      { matches: [{ path: { type: 'Exact', value: 'nope' } }] },
    ],
  }));
  assert.deepEqual(p.map((x) => x.split(':')[0]), [
    'spec.rules[0].matches[0].method',
    'spec.rules[0].backendRefs[0].port',
    'spec.rules[0].backendRefs[0].weight',
    'spec.rules[1]',
    'spec.parentRefs[0]',
    'spec.rules[0].matches[0].path.value',
    'spec.rules[0].timeouts.backendRequest',
    'spec.rules[2].matches[0].path.value',
  ]);
  assert.ok(!p.some((x) => /a port is required/.test(x)), 'the malformed port is not reported again as missing');
});
