// AuthorizationPolicy end to end in universal mode: real `weft control-plane`, two real apps, each
// behind a `weft proxy --workload FILE` sidecar. A DENY policy on b's path makes b's inbound
// sidecar answer 403 rbac-denied (normalized spellings of the path too); deleting it restores 200.
// No proxy restart. Rules by path only: sidecars do not speak mTLS to each other yet.
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
metadata: {name: a}
spec: {selector: {app: a}, ports: [{name: http, port: 80, targetPort: http}]}
`;

const DENY_ADMIN = `
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-admin}
spec:
  targetRefs: [{group: "", kind: Service, name: b}]
  action: DENY
  rules:
    - to: [{operation: {paths: [/admin/*]}}]
`;

async function sidecar(dir: string, cp: RunningControlPlane, name: 'a' | 'b', appPort: number, ports: number[]): Promise<MeshSidecar> {
  return startMeshSidecar({ dir, cp, name, appPort, ports, closers });
}

test('a DENY AuthorizationPolicy on a path: b\'s sidecar answers 403 rbac-denied; deleting it restores 200, without restarts', { timeout: 60_000 }, async () => {
  const dir = tempDir('weft-mesh-authz-');
  const apps = { a: await startEchoServer('a'), b: await startEchoServer('b') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const ports = await freePorts(7); // after the apps have theirs
  const cp = await startControlPlane(join(dir, 'data'), ['--xds-port', String(ports[6])]);
  closers.push(() => cp.stop());
  const svc = join(dir, 'services.yaml');
  writeFileSync(svc, SERVICES);
  assert.equal((await weft(cp.url, ['apply', '-f', svc])).code, 0);
  const a = await sidecar(dir, cp, 'a', apps.a.port, ports.slice(0, 3));
  const b = await sidecar(dir, cp, 'b', apps.b.port, ports.slice(3, 6));

  const call = async (path: string): Promise<string> => {
    const r = await request(a.outbound, path, { headers: { host: 'b' } });
    return `${r.status} ${r.status === 200 ? String(r.json().server) : (r.headers['x-weft-error'] ?? '')}`;
  };
  await eventually(async () => (await call('/admin/users').catch(() => '')) === '200 b', 10_000, 'a reaches b').catch((err) => {
    throw new Error(`${err.message}\n${a.proxy.stderr().slice(-2000)}\n${b.proxy.stderr().slice(-2000)}\n${cp.output().slice(-2000)}`);
  });

  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, DENY_ADMIN);
  assert.equal((await weft(cp.url, ['apply', '-f', policy])).code, 0);
  await eventually(async () => (await call('/admin/users')) === '403 rbac-denied', 10_000, 'the DENY policy reaches b\'s sidecar');
  const received = apps.b.requests.length;
  // The inbound HCM normalizes first, so other spellings of /admin/ are denied as well.
  for (const p of ['/admin/users', '/public/../admin/users', '//admin/users', '/%61dmin/users', '/admin%2Fusers']) {
    assert.equal(await call(p), '403 rbac-denied', p);
  }
  assert.equal(apps.b.requests.length, received, 'no denied request reached the app');
  assert.equal(await call('/public/x'), '200 b', 'other paths are still allowed');
  const stats = await (await b.proxy.admin('/stats/prometheus')).text();
  assert.match(stats, /weft_rbac_denied_total\{listener="inbound",policy="default\/no-admin\[0\]"\} 6/);

  assert.equal((await weft(cp.url, ['delete', 'authz', 'no-admin'])).code, 0);
  await eventually(async () => (await call('/admin/users')) === '200 b', 10_000, 'deleting the policy restores access');
  const status = await (await fetch(`${cp.url}/weft/v1/proxies`)).json() as { nacks: unknown[] };
  assert.deepEqual(status.nacks, []);
});
