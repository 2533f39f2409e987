// RELIABILITY.md B6 through the real mesh: `weft ca rotate prepare | activate | finish` on a
// running control plane while keep-alive traffic runs a → b over mTLS between `weft proxy`
// sidecars. Both sidecars trust the new root after prepare, move to new-issuer certificates
// after activate (within the client's 30 s jitter), and drop the old root after finish; no
// request fails. A still-valid leaf from the old root is refused by b's sidecar afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startControlPlane, tempDir, weft, type RunningControlPlane } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/proxy.ts';
import { mintToken, startMeshSidecar, statusThrough, type MeshSidecar } from '../helpers/mesh-sidecar.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { freePorts } from '../helpers/ports.ts';
import { openTokens } from '../../src/control/identity/index.ts';
import { createCsr, parseTrustDomain, workloadId } from '../../src/pki/index.ts';
import { requestCertificate } from '../helpers/identity-call.ts';
import { closeAfterAll } from '../helpers/cleanup.ts';

const TD = parseTrustDomain('cluster.local');

const closers = closeAfterAll();

/** A sidecar for app `name` with a fresh single-use token, stopped after the tests. */
async function sidecar(dir: string, cp: RunningControlPlane, data: string, name: string, appPort: number, ports: number[]): Promise<MeshSidecar> {
  return startMeshSidecar({ dir, cp, name, appPort, ports, token: await mintToken(data, name), closers });
}

interface CertsJson { certificates: { context: string; ca_cert: { serial_number: string }[]; cert_chain: { serial_number: string }[] }[] }

/** The roots and the issuer (second in the chain) of a sidecar's inbound TLS context, from /certs. */
async function trust(s: MeshSidecar): Promise<{ roots: string[]; issuer: string }> {
  const certs = await (await s.proxy.admin('/certs')).json() as CertsJson;
  const inbound = certs.certificates.find((c) => c.context.startsWith('inbound'))!;
  return { roots: inbound.ca_cert.map((c) => c.serial_number).sort(), issuer: inbound.cert_chain[1]?.serial_number ?? '' };
}

test('B6 in the mesh: a root rotation under load through real sidecars — 0 failed requests; an old-root leaf is refused after finish', { timeout: 120_000 }, async () => {
  const dir = tempDir('weft-mesh-root-');
  const data = join(dir, 'data');
  const apps = { a: await startEchoServer('a'), b: await startEchoServer('b') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const ports = await freePorts(7);
  const cp = await startControlPlane(data, ['--xds-port', String(ports[6])]);
  closers.push(() => cp.stop());
  await eventually(async () => cp.identityTlsPort() > 0, 5000, 'the identity service logs its TLS port');
  const file = join(dir, 'b.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, ports: [{name: http, port: 80, targetPort: http}]}\n');
  assert.equal((await weft(cp.url, ['apply', '-f', file])).code, 0);
  const a = await sidecar(dir, cp, data, 'a', apps.a.port, ports.slice(0, 3));
  const b = await sidecar(dir, cp, data, 'b', apps.b.port, ports.slice(3, 6));
  // A leaf from the old root, held outside the mesh's clients (they would follow the rotation).
  const tokens = await openTokens(data, TD);
  const probeId = workloadId(TD, 'default', 'probe');
  const { key: probeKey, csrPem } = await createCsr(probeId);
  const oldLeaf = await requestCertificate(`127.0.0.1:${cp.xdsPort}`, grpc.credentials.createInsecure(), csrPem, tokens.mint({ namespace: 'default', serviceAccount: 'probe' }).token);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  closers.push(async () => agent.destroy());
  const reasons: string[] = [];
  const get = () => statusThrough(a.outbound, 'b', agent, '/r', reasons);
  await eventually(async () => (await get()) === 200, 15_000, 'a reaches b over mTLS');
  const before = await trust(b);
  assert.equal(before.roots.length, 1);

  reasons.length = 0; // the warm-up's misses are not failures
  let running = true;
  let ok = 0;
  const failures: number[] = [];
  const worker = async () => {
    while (running) {
      const status = await get();
      if (status === 200) ok++;
      else failures.push(status);
    }
  };
  const load = Promise.all(Array.from({ length: 4 }, worker));
  const step = async (name: string, ...extra: string[]) => {
    timings.push(`${name} at ${new Date().toISOString()}`);
    const r = await weft(cp.url, ['ca', 'rotate', name, ...extra]);
    assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
  };
  const timings: string[] = [];
  const timed = async (what: string, cond: () => Promise<boolean>, ms: number) => {
    const t0 = Date.now();
    await eventually(cond, ms, what);
    timings.push(`${what} ${Date.now() - t0} ms`);
  };
  try {
    await step('prepare');
    await timed('both sidecars trust old + new roots', async () => (await trust(a)).roots.length === 2 && (await trust(b)).roots.length === 2, 5000);
    await step('activate');
    await timed('both sidecars hold new-issuer certificates', async () => (await trust(a)).issuer !== before.issuer && (await trust(b)).issuer !== before.issuer, 45_000);
    // The probe's old-issuer leaf is still valid and never renewed: finish refuses until forced.
    const guarded = await weft(cp.url, ['ca', 'rotate', 'finish']);
    assert.notEqual(guarded.code, 0, 'finish is refused while an old-issuer certificate is in use');
    await step('finish', '--force');
    await timed('both sidecars trust the new root only', async () => {
      const [ta, tb] = [await trust(a), await trust(b)];
      return ta.roots.length === 1 && tb.roots.length === 1 && !tb.roots.includes(before.roots[0]);
    }, 5000);
    await new Promise((r) => setTimeout(r, 1000)); // traffic on the new root only
  } finally {
    running = false;
    await load;
  }
  console.log(`B6 mesh: ${ok} requests, ${failures.length} failed; ${timings.join('; ')}`);
  assert.deepEqual(failures, [], `${failures.length} requests failed: ${reasons.join('; ')} (steps: ${timings.join('; ')})`);
  assert.ok(ok > 200, `load ran (${ok} requests)`);

  // The old-root leaf, still within its validity, no longer gets through b's handshake.
  const refused = await new Promise<string>((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1', port: b.inbound, cert: oldLeaf.cert_chain.join(''), key: probeKey.exportPkcs8Pem(), ca: oldLeaf.trust_bundle.join(''),
      rejectUnauthorized: false, ALPNProtocols: ['h2'],
    }, () => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    s.on('data', () => resolve('answered'));
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve('closed'));
  });
  assert.notEqual(refused, 'answered');
  const stats = await (await b.proxy.admin('/stats/prometheus')).text();
  assert.match(stats, /weft_proxy_downstream_tls_refused_total\{listener="inbound",reason="handshake"\} [1-9]/, 'b refused the old-root leaf in the handshake');
});
