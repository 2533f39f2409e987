// Universal mode end to end with real processes: `weft control-plane`, three real HTTP apps
// (a, b-v1, b-v2) each behind a `weft proxy --workload FILE` sidecar. The test plays app a:
// it calls service b through a's outbound port, and follows HTTPRoute and TrafficPolicy changes
// applied with `weft apply` — no proxy restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, tempDir, weft, type RunningControlPlane } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/proxy.ts';
import { startMeshSidecar, type MeshSidecar } from '../helpers/mesh-sidecar.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { request } from '../helpers/client.ts';
import { freePorts } from '../helpers/ports.ts';
import { closeAfterAll } from '../helpers/cleanup.ts';

const closers = closeAfterAll();

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {selector: {app: b}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: b-v1}
spec: {selector: {app: b, version: v1}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: b-v2}
spec: {selector: {app: b, version: v2}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {selector: {app: a}, ports: [{name: http, port: 80, targetPort: http}]}
`;

const ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b}
spec:
  parentRefs: [{group: "", kind: Service, name: b, port: 80}]
  rules:
    - matches: [{headers: [{name: x-canary, value: "true"}]}]
      backendRefs: [{name: b-v2, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /flaky}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /status}}}]
      backendRefs: [{name: b-v1, port: 80}]
      retry: {attempts: 2, codes: [503], backoff: 10ms}
    - matches: [{path: {type: PathPrefix, value: /delay}}]
      backendRefs: [{name: b-v1, port: 80}]
      timeouts: {request: 200ms}
    - backendRefs: [{name: b-v1, port: 80, weight: 80}, {name: b-v2, port: 80, weight: 20}]
`;

async function sidecar(dir: string, cp: RunningControlPlane, name: string, labels: Record<string, string>, appPort: number): Promise<MeshSidecar> {
  return startMeshSidecar({ dir, cp, name: labels.app, workload: name, labels, appPort, closers });
}

async function who(port: number, path = '/', headers: Record<string, string> = {}): Promise<string> {
  const r = await request(port, path, { headers: { host: 'b', ...headers } });
  return r.status === 200 ? String(r.json().server) : `${r.status} ${r.headers['x-weft-error'] ?? ''}`.trim();
}

test('sidecars follow the control plane: a calls b, weights, a header match, a rewrite with retries, a timeout, TrafficPolicy changes, a control-plane restart', { timeout: 60_000 }, async () => {
  const dir = tempDir('weft-mesh-');
  const [xdsPort] = await freePorts(1);
  const cp = await startControlPlane(join(dir, 'data'), ['--xds-port', String(xdsPort)]);
  closers.push(() => cp.stop());
  assert.ok(cp.xdsPort > 0, cp.output());
  const svc = join(dir, 'services.yaml');
  writeFileSync(svc, SERVICES);
  assert.equal((await weft(cp.url, ['apply', '-f', svc])).code, 0);

  const apps = { a: await startEchoServer('a'), v1: await startEchoServer('b-v1'), v2: await startEchoServer('b-v2') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const a = await sidecar(dir, cp, 'a-1', { app: 'a' }, apps.a.port);
  await sidecar(dir, cp, 'b-v1-1', { app: 'b', version: 'v1' }, apps.v1.port);
  const bv2 = await sidecar(dir, cp, 'b-v2-1', { app: 'b', version: 'v2' }, apps.v2.port);

  // The sidecars registered their Workloads; a reaches b through its outbound port and b's inbound.
  await eventually(async () => (await who(a.outbound).catch(() => '')).startsWith('b-v'), 10_000, 'a reaches b').catch((err) => {
    throw new Error(`${err.message}\n${a.proxy.stderr().slice(-3000)}\n${cp.output().slice(-3000)}`);
  });
  await eventually(async () => (await weft(cp.url, ['get', 'workloads'])).stdout.includes('b-v2-1'), 10_000, 'b-v2-1 registered');
  assert.ok(apps.v1.requests.every((r) => r.headers.host === 'b'), 'the Host reaches the app as the caller wrote it');

  const route = join(dir, 'route.yaml');
  writeFileSync(route, ROUTE);
  assert.equal((await weft(cp.url, ['apply', '-f', route])).code, 0);
  // The route has arrived once /flaky is rewritten (the echo shows the path it got).
  await eventually(async () => (await request(a.outbound, '/flaky/200', { headers: { host: 'b' } }).then((r) => r.json().url, () => '')) === '/status/200', 10_000, 'the route arrives');
  for (let i = 0; i < 10; i++) assert.equal(await who(a.outbound, '/', { 'x-canary': 'true' }), 'b-v2');
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const w = await who(a.outbound, '/x');
    counts[w] = (counts[w] ?? 0) + 1;
  }
  assert.equal((counts['b-v1'] ?? 0) + (counts['b-v2'] ?? 0), 200, JSON.stringify(counts));
  assert.ok(counts['b-v1'] >= 140 && counts['b-v1'] <= 185, `80/20 split: ${JSON.stringify(counts)}`);
  // retry: 2 attempts on 503 — b-v1 sees the rewritten path three times for one call.
  const before = apps.v1.requests.filter((r) => r.url === '/status/503').length;
  assert.equal(await who(a.outbound, '/flaky/503'), '503');
  assert.equal(apps.v1.requests.filter((r) => r.url === '/status/503').length - before, 3);
  // The rule's 200 ms request timeout (these failures come last: outlier detection counts them).
  assert.equal(await who(a.outbound, '/delay/1000'), '504 upstream-timeout');

  // A TrafficPolicy reaches the running sidecar: b-v1's cluster becomes round robin.
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: b-v1}\nspec: {targetRefs: [{group: "", kind: Service, name: b-v1}], loadBalancer: {type: RoundRobin}}\n');
  assert.equal((await weft(cp.url, ['apply', '-f', policy])).code, 0);
  const clusterOf = async (name: string) => {
    const found: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') {
        if ((v as { name?: unknown }).name === name && 'connect_timeout' in v) found.push(v);
        Object.values(v).forEach(walk);
      }
    };
    walk(await (await a.proxy.admin('/config_dump')).json());
    return JSON.stringify(found);
  };
  await eventually(async () => (await clusterOf('outbound|80||b-v1.default.svc.cluster.local')).includes('ROUND_ROBIN'), 10_000, 'lb policy in /config_dump');

  // A local rate limit on b-v2 is enforced by b-v2's own sidecar (inbound): 2 per minute, then 429.
  writeFileSync(policy, 'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: b-v2}\nspec: {targetRefs: [{group: "", kind: Service, name: b-v2}], localRateLimit: {requestRate: {num: 2, interval: 60s}}}\n');
  assert.equal((await weft(cp.url, ['apply', '-f', policy])).code, 0);
  await eventually(async () => (await who(a.outbound, '/', { host: 'b-v2' })).startsWith('429'), 10_000, 'b-v2 rate-limited');
  // Fault injection on a is applied by the caller's sidecar.
  writeFileSync(policy, 'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: a}\nspec: {targetRefs: [{group: "", kind: Service, name: a}], faultInjection: {abort: {httpStatus: 418, percentage: 100}}}\n');
  assert.equal((await weft(cp.url, ['apply', '-f', policy])).code, 0);
  await eventually(async () => (await who(a.outbound, '/', { host: 'a' })) === '418 fault-injected', 10_000, 'fault injected on calls to a');

  // The control plane lists the proxies; stopping a sidecar removes the Workload it registered.
  const status = await (await fetch(`${cp.url}/weft/v1/proxies`)).json() as { proxies: { nodeId: string }[]; nacks: unknown[] };
  assert.deepEqual(status.proxies.map((p) => p.nodeId).sort(), ['a-1.default', 'b-v1-1.default', 'b-v2-1.default']);
  assert.deepEqual(status.nacks, []);
  await bv2.proxy.stop();
  await eventually(async () => !(await weft(cp.url, ['get', 'workloads'])).stdout.includes('b-v2-1'), 10_000, 'b-v2-1 deregistered');
  // b-v2 has no endpoint left (the route still sends it its 20 %); b-v1 is untouched.
  await eventually(async () => (await who(a.outbound, '/', { host: 'b-v2' })) === '503 no-healthy-upstream', 10_000, 'b-v2 has no endpoints');
  for (let i = 0; i < 10; i++) assert.equal(await who(a.outbound, '/', { host: 'b-v1.default' }), 'b-v1');

  // The control plane dies: sidecars keep serving their last config; it comes back on the same
  // data and xDS port, the sidecars reconnect, and a change made then reaches them.
  cp.child.kill('SIGKILL');
  await cp.stop();
  for (let i = 0; i < 10; i++) assert.equal(await who(a.outbound, '/', { host: 'b-v1.default' }), 'b-v1');
  const cp2 = await startControlPlane(join(dir, 'data'), ['--xds-port', String(xdsPort)]);
  closers.push(() => cp2.stop());
  writeFileSync(policy, 'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: a}\nspec: {targetRefs: [{group: "", kind: Service, name: a}], timeouts: {request: 5s}}\n');
  assert.equal((await weft(cp2.url, ['apply', '-f', policy])).code, 0);
  const back = Date.now();
  await eventually(async () => (await who(a.outbound, '/', { host: 'a' })) === 'a', 20_000, 'the fault is gone after the control plane returned');
  console.log(`# resync after the control plane's return: ${Date.now() - back} ms`);
  assert.ok((await weft(cp2.url, ['get', 'workloads'])).stdout.includes('a-1'), 'registered Workloads survive the restart');
});
