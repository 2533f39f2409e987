import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePem } from './bundle.ts';
import { CA_DIR_FILES, generateCa, type CaFiles, type CertificateAuthority } from './ca.ts';
import { createCsr } from './csr.ts';
import { issueSvid } from './issue.ts';
import { RotatingCa, type RotationRecord } from './rotation.ts';
import { parseTrustDomain, workloadId } from './spiffe.ts';
import { verifyPeer } from './verify.ts';

const TD = parseTrustDomain('cluster.local');
const web = workloadId(TD, 'default', 'web');

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-rotation-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function leaf(ca: CertificateAuthority): Promise<string[]> {
  const { csrPem } = await createCsr(web);
  const svid = await issueSvid(ca, csrPem, web, { ttlMs: 3600_000 });
  return [svid.certificate.toString(), ...ca.intermediates.map((c) => c.toString()), ca.issuer.toString()];
}

const rootFps = (ca: CertificateAuthority) => ca.bundle.roots.map((r) => r.fingerprint256);

async function writeBroughtCa(dir: string): Promise<{ files: CaFiles; ca: CertificateAuthority }> {
  const { ca, root, issuer } = await generateCa(TD);
  const files = { certFile: join(dir, 'ca-cert.pem'), keyFile: join(dir, 'ca-key.pem'), rootsFile: join(dir, 'roots.pem') };
  await writeFile(files.certFile, issuer.cert.toString());
  await writeFile(files.keyFile, issuer.key.exportPkcs8Pem());
  await writeFile(files.rootsFile, root.cert.toString());
  return { files, ca };
}

test('prepare → activate → finish: the bundle overlaps, the signer switches, the old root leaves; every phase survives a restart', async (t) => {
  const dir = join(await tempDir(t), 'ca');
  const open = () => RotatingCa.open({ dir, trustDomain: TD });
  const rca = await open();
  const changes: string[] = [];
  rca.onChange((v) => changes.push(v.phase));
  const old = rca.view.ca;
  assert.equal(rca.view.phase, 'steady');
  const oldLeaf = await leaf(old);

  const prepared = await rca.prepare();
  assert.equal(prepared.phase, 'prepared');
  assert.equal(prepared.ca.bundle.roots.length, 2);
  assert.ok(prepared.ca.issuer.raw.equals(old.issuer.raw), 'phase 1 still signs with the old issuer');
  assert.equal(prepared.retiringRoots.length, 1);
  assert.ok(prepared.retiringRoots[0].raw.equals(old.bundle.roots[0].raw));
  assert.deepEqual((await readdir(join(dir, 'next'))).sort(), Object.values(CA_DIR_FILES).sort());
  assert.equal((await stat(join(dir, 'next', CA_DIR_FILES.issuerKey))).mode & 0o777, 0o600);
  const reopened1 = await open();
  assert.equal(reopened1.view.phase, 'prepared');
  assert.deepEqual(rootFps(reopened1.view.ca), rootFps(prepared.ca));

  const activated = await rca.activate();
  assert.equal(activated.phase, 'activated');
  assert.ok(activated.ca.issuer.raw.equals(prepared.newIssuer!.raw), 'phase 2 signs with the new issuer');
  assert.equal(activated.issuers.length, 2);
  const newLeaf = await leaf(activated.ca);
  // Both generations of leaves are accepted by the overlapping bundle.
  assert.equal(verifyPeer(oldLeaf, activated.ca.bundle, { role: 'client' }).ok, true);
  assert.equal(verifyPeer(newLeaf, prepared.ca.bundle, { role: 'client' }).ok, true);
  const reopened2 = await open();
  assert.equal(reopened2.view.phase, 'activated');
  assert.ok(reopened2.view.ca.issuer.raw.equals(activated.ca.issuer.raw));
  const state = JSON.parse(await readFile(join(dir, 'rotation.json'), 'utf8')) as RotationRecord;
  assert.equal(state.phase, 'activated');
  assert.equal(state.oldIssuer, old.issuer.fingerprint256);

  const finished = await rca.finish();
  assert.equal(finished.phase, 'steady');
  assert.equal(finished.ca.bundle.roots.length, 1);
  assert.ok(finished.ca.issuer.raw.equals(activated.ca.issuer.raw));
  const refused = verifyPeer(oldLeaf, finished.ca.bundle, { role: 'client' });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.reason, 'untrusted-root');
  assert.equal(verifyPeer(newLeaf, finished.ca.bundle, { role: 'client' }).ok, true);
  assert.deepEqual((await readdir(dir)).sort(), Object.values(CA_DIR_FILES).sort(), 'no next/ and no rotation.json left');
  assert.equal(await readFile(join(dir, CA_DIR_FILES.rootCert), 'utf8'), bundlePem(finished.ca.bundle));
  const reopened3 = await open();
  assert.equal(reopened3.view.phase, 'steady');
  assert.ok(reopened3.view.ca.issuer.raw.equals(finished.ca.issuer.raw));
  assert.deepEqual(changes, ['prepared', 'activated', 'steady']);
});

test('out-of-order steps are refused with WEFT_CONFLICT naming the next step, and change nothing', async (t) => {
  const dir = join(await tempDir(t), 'ca');
  const rca = await RotatingCa.open({ dir, trustDomain: TD });
  const conflict = (pattern: RegExp) => (err: { code?: string; message: string }) => err.code === 'WEFT_CONFLICT' && pattern.test(err.message);
  await assert.rejects(rca.activate(), conflict(/no rotation in progress; start one with `weft ca rotate prepare`/));
  await assert.rejects(rca.finish(), conflict(/no rotation in progress/));
  await rca.prepare();
  await assert.rejects(rca.prepare(), conflict(/already prepared .*the next step is `weft ca rotate activate`/));
  await assert.rejects(rca.finish(), conflict(/prepared but not activated: run `weft ca rotate activate` first/));
  assert.equal(rca.view.phase, 'prepared');
  await rca.activate();
  await assert.rejects(rca.activate(), conflict(/already activated .*`weft ca rotate finish`/));
  await assert.rejects(rca.prepare(), conflict(/already activated/));
  assert.equal(rca.view.phase, 'activated');
});

test('a crash mid-step: a prepare cut before its commit is forgotten; a finish cut mid-promotion completes at the next start', async (t) => {
  const dir = join(await tempDir(t), 'ca');
  const first = await RotatingCa.open({ dir, trustDomain: TD });
  const old = first.view.ca;
  // prepare wrote part of next/ but not rotation.json.
  await rm(join(dir, 'next'), { recursive: true, force: true });
  await mkdir(join(dir, 'next'));
  await writeFile(join(dir, 'next', CA_DIR_FILES.rootKey), 'torn');
  const afterTornPrepare = await RotatingCa.open({ dir, trustDomain: TD });
  assert.equal(afterTornPrepare.view.phase, 'steady');
  assert.ok(afterTornPrepare.view.ca.issuer.raw.equals(old.issuer.raw));
  assert.deepEqual((await readdir(dir)).sort(), Object.values(CA_DIR_FILES).sort());

  const rca = afterTornPrepare;
  await rca.prepare();
  const { newIssuer } = await rca.activate();
  // finish committed (rotation.json says finished) and copied one file before the crash.
  const record = JSON.parse(await readFile(join(dir, 'rotation.json'), 'utf8')) as RotationRecord;
  await writeFile(join(dir, 'rotation.json'), JSON.stringify({ ...record, phase: 'finished', finishedAt: new Date().toISOString() }));
  await writeFile(join(dir, CA_DIR_FILES.issuerKey), await readFile(join(dir, 'next', CA_DIR_FILES.issuerKey), 'utf8'));
  const resumed = await RotatingCa.open({ dir, trustDomain: TD });
  assert.equal(resumed.view.phase, 'steady');
  assert.ok(resumed.view.ca.issuer.raw.equals(newIssuer!.raw));
  assert.equal(resumed.view.ca.bundle.roots.length, 1);
  assert.deepEqual((await readdir(dir)).sort(), Object.values(CA_DIR_FILES).sort());
});

test('a corrupt rotation.json stops the start with what to do, never a guess', async (t) => {
  const dir = join(await tempDir(t), 'ca');
  await RotatingCa.open({ dir, trustDomain: TD });
  await writeFile(join(dir, 'rotation.json'), '{"version":1,"phase":"halfway"}');
  await assert.rejects(RotatingCa.open({ dir, trustDomain: TD }), (err: { code?: string; path?: string; message: string }) =>
    err.code === 'WEFT_CONFIG_INVALID' && err.path === join(dir, 'rotation.json') && /remove it and the next\/ directory to abandon the rotation/.test(err.message));
});

test('a brought new CA (prepare with --ca-* files): copied and checked; after finish it is the CA and the old root key is gone', async (t) => {
  const base = await tempDir(t);
  const dir = join(base, 'ca');
  const rca = await RotatingCa.open({ dir, trustDomain: TD });
  const brought = await writeBroughtCa(base);
  await assert.rejects(rca.prepare({ ...brought.files, keyFile: join(base, 'missing.pem') }), /cannot read the CA key/);
  assert.equal(rca.view.phase, 'steady');
  const prepared = await rca.prepare(brought.files);
  assert.equal(prepared.record?.source, 'brought');
  assert.ok(prepared.newIssuer!.raw.equals(brought.ca.issuer.raw));
  assert.deepEqual((await readdir(join(dir, 'next'))).sort(), [CA_DIR_FILES.issuerCert, CA_DIR_FILES.issuerKey, CA_DIR_FILES.rootCert].sort());
  await rca.activate();
  const finished = await rca.finish();
  assert.deepEqual(rootFps(finished.ca), rootFps(brought.ca));
  assert.deepEqual((await readdir(dir)).sort(), [CA_DIR_FILES.issuerCert, CA_DIR_FILES.issuerKey, CA_DIR_FILES.rootCert].sort(), 'no root key: the brought root\'s key stays with its owner');
  const reopened = await RotatingCa.open({ dir, trustDomain: TD });
  assert.ok(reopened.view.ca.issuer.raw.equals(brought.ca.issuer.raw));
});

test('a control plane started with --ca-* flags: mid-rotation it must keep them; after finish the old flags are refused, the new ones or none accepted', async (t) => {
  const base = await tempDir(t);
  const dir = join(base, 'ca');
  const current = await writeBroughtCa(base);
  const rca = await RotatingCa.open({ dir, trustDomain: TD, brought: current.files });
  await rca.prepare();
  // A restart without the flags would bring another CA (a generated one): refused.
  await assert.rejects(RotatingCa.open({ dir, trustDomain: TD }), /a CA rotation is in progress \(prepared .*start the control plane with the CA it had at `weft ca rotate prepare`/);
  const mid = await RotatingCa.open({ dir, trustDomain: TD, brought: current.files });
  assert.equal(mid.view.phase, 'prepared');
  await rca.activate();
  const finished = await rca.finish();
  assert.equal(finished.phase, 'steady');
  await assert.rejects(rca.prepare(), /restart it with the new CA's files \(or without the flags\) before the next rotation/);
  await assert.rejects(RotatingCa.open({ dir, trustDomain: TD, brought: current.files }), (err: { code?: string; path?: string; message: string }) =>
    err.code === 'WEFT_CONFIG_INVALID' && err.path === current.files.certFile && /start with --ca-cert\/--ca-key\/--ca-roots naming the new CA \(copies are in/.test(err.message));
  // Without flags the copies in next/ become the data directory's CA.
  const restarted = await RotatingCa.open({ dir, trustDomain: TD });
  assert.ok(restarted.view.ca.issuer.raw.equals(finished.ca.issuer.raw));
  assert.equal(restarted.view.phase, 'steady');
  assert.deepEqual((await readdir(dir)).sort(), Object.values(CA_DIR_FILES).sort());
});
