// `weft ca status` / `weft ca rotate …` against a real `weft control-plane` process: order enforced, state kept across restarts, finish guarded by the certificates in use, the bundle watch served on the xDS port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createCsr, identityServiceClient, parseTrustDomain, workloadId, type TrustBundleUpdate } from '../../src/pki/index.ts';
import { startControlPlane, tempDir, weft } from '../helpers/control-plane.ts';
import { requestCertificate } from '../helpers/identity-call.ts';

const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');

const sign = (address: string, csr: string, token: string) => requestCertificate(address, grpc.credentials.createInsecure(), csr, token);

function firstBundleUpdate(address: string): Promise<TrustBundleUpdate> {
  const client = identityServiceClient(address, grpc.credentials.createInsecure());
  const stream = client.WatchTrustBundle({}, new grpc.Metadata());
  return new Promise<TrustBundleUpdate>((resolve, reject) => {
    stream.once('data', resolve);
    stream.once('error', reject);
  }).finally(() => {
    stream.cancel();
    client.close();
  });
}

interface StatusJson { phase: string; roots: { state: string; fingerprint256: string }[]; signingIssuer: { fingerprint256: string }; certificates: { fromOtherIssuers: number } }

test('weft ca: status, prepare, a refused out-of-order step, restart mid-rotation, activate, a guarded finish, restart after', async (t) => {
  const dataDir = tempDir('weft-ca-cli-');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let cp = await startControlPlane(dataDir);
  t.after(() => cp.stop());
  const originalRoot = new X509Certificate(readFileSync(join(dataDir, 'ca', 'root-cert.pem'), 'utf8'));
  const status = async (): Promise<StatusJson> => {
    const r = await weft(cp.url, ['ca', 'status', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as StatusJson;
  };

  const text = await weft(cp.url, ['ca', 'status']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Phase: steady/);
  assert.match(text.stdout, new RegExp(`current +O=Weft, CN=Weft root CA cluster\\.local \\w+ +${originalRoot.fingerprint256}`));
  assert.match(text.stdout, /Next: no rotation in progress; `weft ca rotate prepare` starts one/);

  const early = await weft(cp.url, ['ca', 'rotate', 'activate']);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /weft: error WEFT_CONFLICT: no rotation in progress; start one with `weft ca rotate prepare`/);
  const usage = await weft(cp.url, ['ca', 'rotate', 'sideways']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected `weft ca status` or `weft ca rotate prepare\|activate\|finish`/);

  // A workload certificate of the old issuer, in use.
  const created = await weft(cp.url, ['token', 'create', '-n', 'shop', '-s', 'cart', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const xds = `127.0.0.1:${cp.xdsPort}`;
  await sign(xds, (await createCsr(cart)).csrPem, created.stdout.trim());

  const prepared = await weft(cp.url, ['ca', 'rotate', 'prepare']);
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /Phase: prepared \(since /);
  assert.match(prepared.stdout, /Trust bundle \(2 roots\)/);
  assert.match(prepared.stdout, /retiring +O=Weft/);
  assert.match(prepared.stdout, /new +O=Weft/);
  const watched = await firstBundleUpdate(xds);
  assert.equal(watched.phase, 'prepared');
  assert.equal(watched.trust_bundle.length, 2);
  assert.match(cp.output(), /identity: CA rotation prepared: the trust bundle is now 2 roots/);

  // A restart in the middle resumes the rotation.
  assert.equal(await cp.stop(), 0);
  cp = await startControlPlane(dataDir);
  assert.match(cp.output(), /identity: a CA rotation is in progress \(prepared\)/);
  assert.equal((await status()).phase, 'prepared');
  const oldIssuer = (await status()).signingIssuer.fingerprint256;

  const activated = await weft(cp.url, ['ca', 'rotate', 'activate', '-o', 'json']);
  assert.equal(activated.code, 0, activated.stderr);
  const after = JSON.parse(activated.stdout) as StatusJson;
  assert.equal(after.phase, 'activated');
  assert.notEqual(after.signingIssuer.fingerprint256, oldIssuer);
  assert.equal(after.certificates.fromOtherIssuers, 1, 'the cart certificate of the old issuer is still in use');

  const guarded = await weft(cp.url, ['ca', 'rotate', 'finish']);
  assert.equal(guarded.code, 1);
  assert.match(guarded.stderr, /WEFT_CONFLICT: 1 workload certificate\(s\) of the old issuer are still in use \(e\.g\. spiffe:\/\/cluster\.local\/ns\/shop\/sa\/cart, serial \w+, until .*\); finishing now cuts them off\. Wait for them to renew \(`weft ca status`\), or pass --force/);
  assert.equal((await status()).phase, 'activated');

  const finished = await weft(cp.url, ['ca', 'rotate', 'finish', '--force', '-o', 'json']);
  assert.equal(finished.code, 0, finished.stderr);
  const done = JSON.parse(finished.stdout) as StatusJson;
  assert.equal(done.phase, 'steady');
  assert.equal(done.roots.length, 1);
  assert.notEqual(done.roots[0].fingerprint256, originalRoot.fingerprint256);
  const onDisk = new X509Certificate(readFileSync(join(dataDir, 'ca', 'root-cert.pem'), 'utf8'));
  assert.equal(onDisk.fingerprint256, done.roots[0].fingerprint256, '<data>/ca holds the new CA');

  assert.equal(await cp.stop(), 0);
  cp = await startControlPlane(dataDir);
  const restarted = await status();
  assert.equal(restarted.phase, 'steady');
  assert.equal(restarted.roots[0].fingerprint256, done.roots[0].fingerprint256);
});
