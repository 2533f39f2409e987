// RELIABILITY.md B5 through the real mesh: the control plane issues 1-minute workload
// certificates (MeshConfig certificates.workloadTTL, the shortest allowed), so both sidecars renew
// on their own at 70 % of life (42 s) while keep-alive traffic runs a → b over mTLS. No request
// fails, b's sidecar refuses no handshake, and a fresh handshake serves b's new certificate
// within 1 s of its issuance. WEFT_B5_SECONDS sets the load time (default 50 s: one renewal of
// each sidecar; B5 in full is WEFT_B5_SECONDS=600 with the 100 s certificates of a MeshConfig
// workloadTTL of 100s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, tempDir, weft, type RunningControlPlane } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/proxy.ts';
import { mintToken, startMeshSidecar, statusThrough, type MeshSidecar } from '../helpers/mesh-sidecar.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { freePorts } from '../helpers/ports.ts';
import { IdentityClient } from '../../src/proxy/identity/index.ts';
import { openTokens } from '../../src/control/identity/index.ts';
import { parseTrustDomain, workloadId } from '../../src/pki/index.ts';
import { closeAfterAll } from '../helpers/cleanup.ts';

const SECONDS = Number(process.env.WEFT_B5_SECONDS ?? 50);
const TTL = process.env.WEFT_B5_TTL ?? '1m';
const TD = parseTrustDomain('cluster.local');

const closers = closeAfterAll();

/** A sidecar for app `name` with a fresh single-use token, stopped after the tests. */
async function sidecar(dir: string, cp: RunningControlPlane, data: string, name: string, appPort: number, ports: number[]): Promise<MeshSidecar> {
  return startMeshSidecar({ dir, cp, name, appPort, ports, token: await mintToken(data, name), closers });
}

test(`B5 in the mesh: ${SECONDS} s of keep-alive load while both sidecars renew ${TTL} certificates by themselves — no failed request, no refused handshake`, { timeout: (SECONDS + 90) * 1000 }, async () => {
  const dir = tempDir('weft-mesh-rotation-');
  const data = join(dir, 'data');
  const apps = { a: await startEchoServer('a'), b: await startEchoServer('b') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const ports = await freePorts(7);
  // The lifetime is read at start: store the MeshConfig, then start the control plane that serves.
  const first = await startControlPlane(data, ['--xds-port', String(ports[6])]);
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, `apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: default}\nspec: {certificates: {workloadTTL: ${TTL}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, ports: [{name: http, port: 80, targetPort: http}]}\n`);
  assert.equal((await weft(first.url, ['apply', '-f', file])).code, 0);
  assert.equal(await first.stop(), 0);
  const cp = await startControlPlane(data, ['--xds-port', String(ports[6])]);
  closers.push(() => cp.stop());
  await eventually(async () => cp.identityTlsPort() > 0, 5000, 'the identity service logs its TLS port');
  assert.match(cp.output(), new RegExp(`workload certificates ${TTL}`));
  const a = await sidecar(dir, cp, data, 'a', apps.a.port, ports.slice(0, 3));
  const b = await sidecar(dir, cp, data, 'b', apps.b.port, ports.slice(3, 6));

  // A probe with its own mesh certificate: fresh handshakes to b's inbound port see what b serves.
  const tokens = await openTokens(data, TD);
  const probe = new IdentityClient({ identity: workloadId(TD, 'default', 'probe'), token: () => tokens.mint({ namespace: 'default', serviceAccount: 'probe' }).token, plaintextAddress: `127.0.0.1:${cp.xdsPort}` });
  probe.start();
  closers.push(async () => probe.close());
  await probe.ready();
  const servedSerial = () => new Promise<string>((resolve, reject) => {
    // The probe's certificate of the moment: it renews like the sidecars (an expired one would be refused).
    const probeSvid = probe.svid!;
    const s = tls.connect({
      host: '127.0.0.1', port: b.inbound, ca: probeSvid.trustBundlePem, cert: probeSvid.certChainPem, key: probeSvid.key.exportPkcs8Pem(),
      checkServerIdentity: () => undefined, ALPNProtocols: ['h2'],
    }, () => {
      const serial = s.getPeerCertificate().serialNumber.toUpperCase();
      // A graceful close after the handshake: destroying at once would abort the server's side of a TLS 1.3 handshake.
      s.once('close', () => resolve(serial));
      s.end();
    });
    s.on('error', reject);
  });

  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  closers.push(async () => agent.destroy());
  const get = () => statusThrough(a.outbound, 'b', agent);
  await eventually(async () => (await get()) === 200, 15_000, 'a reaches b over mTLS');

  let ok = 0;
  const failures: number[] = [];
  const lags: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const status = await get();
      if (status === 200) ok++;
      else failures.push(status);
    }
  };
  // Watches b's log for each renewal and measures how long until a new handshake serves it.
  let seenRenewals = 0;
  const watcher = async () => {
    while (Date.now() < end) {
      const renewals = [...b.proxy.stderr().matchAll(/identity: renewed \S+ serial ([0-9A-F]+)/g)];
      if (renewals.length > seenRenewals) {
        seenRenewals = renewals.length;
        const serial = renewals[renewals.length - 1][1].toUpperCase();
        const t0 = Date.now();
        while ((await servedSerial()) !== serial && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
        lags.push(Date.now() - t0);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.all([...Array.from({ length: 8 }, worker), watcher()]);

  const renewedA = (a.proxy.stderr().match(/identity: renewed/g) ?? []).length;
  const renewedB = (b.proxy.stderr().match(/identity: renewed/g) ?? []).length;
  const bStats = await (await b.proxy.admin('/stats/prometheus')).text();
  const refused = bStats.split('\n').filter((l) => l.startsWith('weft_proxy_downstream_tls_refused_total{') && !l.endsWith(' 0'));
  console.log(`B5 mesh: ${ok} requests in ${SECONDS} s, ${failures.length} failed; renewals a=${renewedA} b=${renewedB}; new certificate served after ${lags.join(', ')} ms; refused handshakes: ${refused.length}`);
  assert.deepEqual(failures, [], `${failures.length} requests failed`);
  assert.ok(renewedA >= 1 && renewedB >= 1, `each sidecar renewed at least once (a ${renewedA}, b ${renewedB})\n${b.proxy.stderr().slice(-1500)}`);
  assert.ok(lags.length >= 1 && lags.every((ms) => ms <= 1000), `a fresh handshake serves the new certificate within 1 s: ${lags.join(', ')} ms`);
  assert.deepEqual(refused, [], 'b refused no handshake');
  assert.doesNotMatch(a.proxy.stderr() + b.proxy.stderr(), /WARNING/, 'a renewal that succeeds on time warns about nothing');
  assert.ok(ok > SECONDS * 100, `load ran (${ok} requests)`);
});
