// `weft control-plane` serves the identity service: a CSR on the xDS port with a `weft token` gets a certificate of <data>/ca's root, a wrong SAN is refused, renewal works on the TLS port, and a bad brought CA stops the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createCsr, parseTrustBundle, parseTrustDomain, PrivateKey, spiffeServerIdentity, verifyPeer, workloadId } from '../../src/pki/index.ts';
import { startControlPlane, tempDir, weft } from '../helpers/control-plane.ts';
import { spawnSync } from 'node:child_process';
import { requestCertificate } from '../helpers/identity-call.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');
const admin = workloadId(TD, 'shop', 'admin');

function weftCli(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
}


test('weft control-plane serves identity on the xDS port and renewals on the TLS port, with the CA in <data>/ca', async (t) => {
  const dataDir = tempDir('weft-cp-id-');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const cp = await startControlPlane(dataDir);
  t.after(() => cp.stop());
  const tlsPort = Number(/identity: .*TLS 127\.0\.0\.1:(\d+) as spiffe:\/\/cluster\.local\/ns\/weft-system\/sa\/weft-control-plane/.exec(cp.output())?.[1]);
  assert.ok(tlsPort > 0 && tlsPort !== cp.xdsPort, cp.output());
  assert.match(cp.output(), /identity: trust domain cluster\.local \(default\)/);

  // A token minted by the CLI while the control plane runs, from the same data directory.
  const created = weftCli(['token', 'create', '-n', 'shop', '-s', 'cart', '--ttl', '1h', '--data-dir', dataDir]);
  assert.equal(created.status, 0, created.stderr);
  const token = created.stdout.trim();

  const xds = `127.0.0.1:${cp.xdsPort}`;
  const insecure = grpc.credentials.createInsecure();
  // Wrong SAN first: refused, and the single-use token is not consumed.
  await assert.rejects(requestCertificate(xds, insecure, (await createCsr(admin)).csrPem, token), (err: grpc.ServiceError) =>
    err.code === grpc.status.PERMISSION_DENIED && /WEFT_IDENTITY_DENIED/.test(err.details));
  await assert.rejects(requestCertificate(xds, insecure, (await createCsr(cart)).csrPem), (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED);

  const key = await PrivateKey.generate();
  const res = await requestCertificate(xds, insecure, (await createCsr(cart, key)).csrPem, token);
  assert.equal(res.spiffe_id, cart.id);
  const rootPem = readFileSync(join(dataDir, 'ca', 'root-cert.pem'), 'utf8');
  const root = new X509Certificate(rootPem);
  assert.deepEqual(res.trust_bundle.map((p) => new X509Certificate(p).fingerprint256), [root.fingerprint256]);
  const chain = res.cert_chain.map((p) => new X509Certificate(p));
  assert.equal(chain.length, 2);
  assert.ok(chain[0].verify(chain[1].publicKey) && chain[1].verify(root.publicKey) && chain[1].checkIssued(root) !== undefined);
  assert.equal(chain[0].subjectAltName, `URI:${cart.id}`);
  const bundle = parseTrustBundle(TD, rootPem);
  const verdict = verifyPeer(chain, bundle, { role: 'client' });
  assert.ok(verdict.ok && verdict.identity.id === cart.id, JSON.stringify(verdict));
  // The key the CSR certified is the one generated here (the service never saw it).
  assert.equal(chain[0].publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), Buffer.from(key.publicKeySpki()).toString('hex'));

  // The spent token is refused as a replay; the certificate renews over mTLS on the TLS port.
  await assert.rejects(requestCertificate(xds, insecure, (await createCsr(cart)).csrPem, token), (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED && /\[replayed\]/.test(err.details));
  const mtls = grpc.credentials.createSsl(Buffer.from(rootPem), Buffer.from(key.exportPkcs8Pem()), Buffer.from(res.cert_chain.join('')), {
    checkServerIdentity: spiffeServerIdentity(workloadId(TD, 'weft-system', 'weft-control-plane').id, bundle),
  });
  const renewed = await requestCertificate(`127.0.0.1:${tlsPort}`, mtls, (await createCsr(cart)).csrPem);
  assert.equal(renewed.spiffe_id, cart.id);
  assert.notEqual(new X509Certificate(renewed.cert_chain[0]).serialNumber, chain[0].serialNumber);

  assert.equal(await cp.stop(), 0);
  // A restart keeps the CA: the same root.
  const again = await startControlPlane(dataDir, ['--identity-tls-port', 'off']);
  t.after(() => again.stop());
  assert.match(again.output(), /identity: .*TLS port off/);
  assert.equal(new X509Certificate(readFileSync(join(dataDir, 'ca', 'root-cert.pem'))).fingerprint256, root.fingerprint256);
  assert.equal(await again.stop(), 0);
  assert.doesNotMatch(cp.output() + again.output(), /PRIVATE KEY/);
});

test('weft control-plane: a stored MeshConfig sets the trust domain and certificate lifetime at start; --trust-domain wins over it', async (t) => {
  const dataDir = tempDir('weft-cp-id-');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startControlPlane(dataDir);
  t.after(() => first.stop());
  const applied = await weft(first.url, ['apply', '-f', '-'], 'apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: default}\nspec: {trustDomain: example.org, certificates: {workloadTTL: 2h}}\n');
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(await first.stop(), 0);

  const cp = await startControlPlane(dataDir);
  t.after(() => cp.stop());
  assert.match(cp.output(), /identity: trust domain example\.org \(MeshConfig\), workload certificates 2h/);
  const created = weftCli(['token', 'create', '-n', 'shop', '-s', 'cart', '--trust-domain', 'example.org', '--data-dir', dataDir]);
  assert.equal(created.status, 0, created.stderr);
  const id = workloadId(parseTrustDomain('example.org'), 'shop', 'cart');
  const before = Date.now();
  const res = await requestCertificate(`127.0.0.1:${cp.xdsPort}`, grpc.credentials.createInsecure(), (await createCsr(id)).csrPem, created.stdout.trim());
  assert.equal(res.spiffe_id, id.id);
  assert.ok(Math.abs(res.not_after * 1000 - (before + 2 * 3600_000)) < 60_000, `not_after ${res.not_after}`);
  assert.equal(await cp.stop(), 0);

  const flagged = await startControlPlane(dataDir, ['--trust-domain', 'cluster.local']);
  t.after(() => flagged.stop());
  assert.match(flagged.output(), /identity: trust domain cluster\.local \(--trust-domain\)/);
  assert.equal(await flagged.stop(), 0);
});

test('weft control-plane: a brought CA that does not check out stops the start, naming the file; identity flags are refused with --in-memory', async (t) => {
  const dataDir = tempDir('weft-cp-id-');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const certFile = join(dataDir, 'not-a-ca.pem');
  writeFileSync(certFile, 'not a certificate\n');
  const bad = weftCli(['control-plane', '--data-dir', dataDir, '--api-port', '0', '--xds-port', '0', '--identity-tls-port', '0', '--ca-cert', certFile, '--ca-key', certFile]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr + bad.stdout, /not-a-ca\.pem/);

  const half = weftCli(['control-plane', '--data-dir', dataDir, '--ca-cert', certFile]);
  assert.notEqual(half.status, 0);
  assert.match(half.stderr, /both --ca-cert FILE and --ca-key FILE/);
  const mem = weftCli(['control-plane', '--in-memory', '--trust-domain', 'example.org']);
  assert.notEqual(mem.status, 0);
  assert.match(mem.stderr, /--trust-domain configures the identity service, which is off with --in-memory/);
});
