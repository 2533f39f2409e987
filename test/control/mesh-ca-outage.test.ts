// RELIABILITY.md B7 through the real mesh: the control plane (and with it the CA) goes away for
// longer than a workload certificate lives (1 minute, the shortest MeshConfig allows). The
// sidecars keep serving on their certificates, warn once renewal has failed below 30 % of life,
// and fail closed at expiry — a → b gets 503 and b's inbound refuses — and when the control plane
// returns on the same ports they have fresh certificates and serve again within 5 s. The sidecars
// hold reusable tokens: a spent single-use token cannot prove the identity again once the
// certificate it bought has expired (docs/mtls.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, tempDir, weft, type RunningControlPlane } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/proxy.ts';
import { mintToken, startMeshSidecar, statusThrough, type MeshSidecar } from '../helpers/mesh-sidecar.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { freePorts } from '../helpers/ports.ts';
import { closeAfterAll } from '../helpers/cleanup.ts';

const closers = closeAfterAll();

const ready = async (s: MeshSidecar) => /weft_proxy_identity_cert_ready\{[^}]*\} 1/.test(await (await s.proxy.admin('/stats/prometheus')).text());

test('B7 in the mesh: CA down past certificate expiry — serve, warn, fail closed at expiry; fresh certificates within 5 s of its return', { timeout: 150_000 }, async () => {
  const dir = tempDir('weft-mesh-b7-');
  const data = join(dir, 'data');
  const apps = { a: await startEchoServer('a'), b: await startEchoServer('b') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const ports = await freePorts(8);
  const cpArgs = ['--xds-port', String(ports[6]), '--identity-tls-port', String(ports[7])];
  const setup = await startControlPlane(data, cpArgs);
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, 'apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: default}\nspec: {certificates: {workloadTTL: 1m}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, ports: [{name: http, port: 80, targetPort: http}]}\n');
  assert.equal((await weft(setup.url, ['apply', '-f', file])).code, 0);
  assert.equal(await setup.stop(), 0);
  let cp: RunningControlPlane = await startControlPlane(data, cpArgs);
  const stopCp = () => cp.stop();
  closers.push(() => stopCp());
  const start = async (name: 'a' | 'b', p: number[]) => {
    return startMeshSidecar({ dir, cp, name, appPort: apps[name].port, ports: p, token: await mintToken(data, name, true), closers });
  };
  const a = await start('a', ports.slice(0, 3));
  const b = await start('b', ports.slice(3, 6));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  closers.push(async () => agent.destroy());
  await eventually(async () => (await statusThrough(a.outbound, 'b', agent)) === 200, 15_000, 'a reaches b over mTLS');
  const expiresAt = (s: MeshSidecar) => new Date(/obtained \S+ serial \S+ valid until (\S+);/.exec(s.proxy.stderr())![1]).getTime();
  const firstExpiry = Math.min(expiresAt(a), expiresAt(b));

  assert.equal(await cp.stop(), 0);
  // Until expiry the sidecars keep serving on the certificates they hold.
  let served = 0;
  while (Date.now() < firstExpiry - 2000) {
    assert.equal(await statusThrough(a.outbound, 'b', agent), 200, 'served while the CA is down and the certificates are valid');
    served++;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(a.proxy.stderr(), /identity: WARNING the certificate for spiffe:\/\/cluster\.local\/ns\/default\/sa\/a expires in \d+ s .* identity service unreachable/);
  // At expiry: no certificate, so no mTLS either way.
  await eventually(async () => !(await ready(a)) && !(await ready(b)), 10_000, 'both sidecars drop their expired certificates');
  const closed = await statusThrough(a.outbound, 'b', new http.Agent({ keepAlive: false }));
  assert.equal(closed, 503, 'a fails closed: no request leaves without a certificate');
  assert.match(b.proxy.stderr(), /failing closed/);

  const t0 = Date.now();
  cp = await startControlPlane(data, cpArgs);
  await eventually(async () => (await ready(a)) && (await ready(b)), 5000, 'fresh certificates within 5 s of the CA returning');
  const recovered = Date.now() - t0;
  await eventually(async () => (await statusThrough(a.outbound, 'b', agent)) === 200, 5000, 'a reaches b again');
  console.log(`B7 mesh: ${served} requests served while the CA was down; fresh certificates ${recovered} ms after the control plane was started again (its start included)`);
});
