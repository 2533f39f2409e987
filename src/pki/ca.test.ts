import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { bundlePem, mergeBundles, parseTrustBundle } from './bundle.ts';
import { CA_DIR_FILES, CertificateAuthority, generateCa, loadCaFiles, openCaDirectory } from './ca.ts';
import { createCsr } from './csr.ts';
import { issueSvid } from './issue.ts';
import { PrivateKey } from './keys.ts';
import { parseTrustDomain, workloadId } from './spiffe.ts';
import { forge } from './testkit.ts';
import { verifyPeer } from './verify.ts';
import { x509 } from './x509.ts';

const TD = parseTrustDomain('cluster.local');
const DAY = 86400_000;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('first start generates the CA into the directory, keys 0600; the next start loads the same CA', async (t) => {
  const dir = join(await tempDir(t), 'ca');
  const first = await openCaDirectory(dir, TD);
  assert.deepEqual((await readdir(dir)).sort(), Object.values(CA_DIR_FILES).sort());
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const name of [CA_DIR_FILES.rootKey, CA_DIR_FILES.issuerKey]) {
    assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name);
    assert.match(await readFile(join(dir, name), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  }
  const second = await openCaDirectory(dir, TD);
  assert.ok(second.issuer.raw.equals(first.issuer.raw));
  assert.equal(bundlePem(second.bundle), bundlePem(first.bundle));
  // The loaded key is the issuer's: a certificate it signs verifies with the issuer's public key.
  const id = workloadId(TD, 'default', 'web');
  const svid = await issueSvid(second, (await createCsr(id)).csrPem, id);
  assert.deepEqual(verifyPeer([svid.certificate, first.issuer], first.bundle, { role: 'client' }), { ok: true, identity: id });
  // The root is self-signed, pathLen 1, and the issuer pathLen 0.
  const root = new x509.X509Certificate(first.bundle.roots[0].raw);
  assert.equal(root.getExtension(x509.BasicConstraintsExtension)?.pathLength, 1);
  assert.equal(new x509.X509Certificate(first.issuer.raw).getExtension(x509.BasicConstraintsExtension)?.pathLength, 0);
});

test('an interrupted first start (no issuer-cert.pem) generates afresh; an issuer near its end is renewed from the root key', async (t) => {
  const dir = await tempDir(t);
  const now = new Date();
  await writeFile(join(dir, CA_DIR_FILES.rootKey), 'half-written', { mode: 0o600 });
  const ca = await openCaDirectory(dir, TD, now, { issuerMs: 40 * DAY });
  assert.match(await readFile(join(dir, CA_DIR_FILES.rootKey), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), [], 'no temporary file is left');
  assert.equal(Math.round((ca.issuer.validToDate.getTime() - now.getTime()) / DAY), 40);
  const rootBefore = await readFile(join(dir, CA_DIR_FILES.rootCert), 'utf8');
  const later = new Date(now.getTime() + 35 * DAY); // 5 of 40 days left
  const renewed = await openCaDirectory(dir, TD, later, { issuerMs: 40 * DAY });
  assert.ok(!renewed.issuer.raw.equals(ca.issuer.raw));
  assert.ok(renewed.issuer.validToDate > ca.issuer.validToDate);
  assert.equal(await readFile(join(dir, CA_DIR_FILES.rootCert), 'utf8'), rootBefore, 'the root stays');
  assert.ok((await openCaDirectory(dir, TD, later)).issuer.raw.equals(renewed.issuer.raw), 'the renewed issuer was written');
});

async function writeFiles(dir: string, files: Record<string, string>): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], text, { mode: 0o600 });
  }
  return paths;
}

test('bring your own CA: issuer + key + roots files load and issue', async (t) => {
  const dir = await tempDir(t);
  const { root, issuer } = await generateCa(TD);
  const p = await writeFiles(dir, { 'ca.pem': issuer.cert.toString(), 'ca-key.pem': issuer.key.exportPkcs8Pem(), 'roots.pem': root.cert.toString() });
  const ca = await loadCaFiles(TD, { certFile: p['ca.pem'], keyFile: p['ca-key.pem'], rootsFile: p['roots.pem'] });
  assert.ok(ca.issuer.raw.equals(issuer.cert.raw));
  // Without a roots file the root may follow the issuer in the certificate file.
  const chained = await writeFiles(dir, { 'chain.pem': issuer.cert.toString() + root.cert.toString() });
  const ca2 = await loadCaFiles(TD, { certFile: chained['chain.pem'], keyFile: p['ca-key.pem'] });
  assert.equal(ca2.bundle.roots.length, 1);
  assert.equal(ca2.intermediates.length, 0);
  // A SEC1 "EC PRIVATE KEY" works as well as PKCS#8.
  const sec1 = (await import('node:crypto')).createPrivateKey(issuer.key.exportPkcs8Pem()).export({ type: 'sec1', format: 'pem' }) as string;
  const s = await writeFiles(dir, { 'sec1.pem': sec1 });
  await loadCaFiles(TD, { certFile: p['ca.pem'], keyFile: s['sec1.pem'], rootsFile: p['roots.pem'] });
  // A two-level intermediate chain under a company root without a path length: root → mid → issuer.
  const companyRoot = await forge({ ca: true, subject: 'O=Example, CN=Example root' });
  const mid = await forge({ signer: companyRoot, ca: true, pathLength: 1 });
  const low = await forge({ signer: mid, ca: true, pathLength: 0 });
  const deep = await writeFiles(dir, {
    'deep.pem': low.cert.toString() + mid.cert.toString(), 'deep-key.pem': low.key.exportPkcs8Pem(), 'company-root.pem': companyRoot.cert.toString(),
  });
  const ca3 = await loadCaFiles(TD, { certFile: deep['deep.pem'], keyFile: deep['deep-key.pem'], rootsFile: deep['company-root.pem'] });
  // The same depth under Weft's generated root (pathLen 1) is refused.
  const tooDeepMid = await forge({ signer: root, ca: true });
  const tooDeep = await forge({ signer: tooDeepMid, ca: true, pathLength: 0 });
  const td = await writeFiles(dir, { 'too-deep.pem': tooDeep.cert.toString() + tooDeepMid.cert.toString(), 'too-deep-key.pem': tooDeep.key.exportPkcs8Pem() });
  await assert.rejects(loadCaFiles(TD, { certFile: td['too-deep.pem'], keyFile: td['too-deep-key.pem'], rootsFile: p['roots.pem'] }), /\[path-length-exceeded\]/);
  const id = workloadId(TD, 'a', 'b');
  const svid = await issueSvid(ca3, (await createCsr(id)).csrPem, id);
  const chain = svid.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
  assert.equal(chain.length, 3);
  assert.deepEqual(verifyPeer(chain, ca3.bundle, { role: 'server' }), { ok: true, identity: id });
});

test('bring your own CA: every unfit set of files is refused with the file and the reason', async (t) => {
  const dir = await tempDir(t);
  const { root, issuer } = await generateCa(TD);
  const other = await generateCa(TD);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const leaf = await forge({ signer: issuer, uris: ['spiffe://cluster.local/ns/a/sa/b'] });
  const noSign = await forge({ signer: root, ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature });
  const odd = await forge({ signer: root, ca: true, keyUsage: null, extra: [new x509.Extension('2.5.29.15', true, new Uint8Array([0x05, 0x00]))] });
  const expired = await forge({ signer: root, ca: true, notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) });
  const p = await writeFiles(dir, {
    'issuer.pem': issuer.cert.toString(), 'issuer-key.pem': issuer.key.exportPkcs8Pem(), 'roots.pem': root.cert.toString(),
    'other-key.pem': other.issuer.key.exportPkcs8Pem(), 'other-roots.pem': other.root.cert.toString(),
    'rsa-key.pem': rsa, 'leaf.pem': leaf.cert.toString(), 'leaf-key.pem': leaf.key.exportPkcs8Pem(),
    'nosign.pem': noSign.cert.toString(), 'nosign-key.pem': noSign.key.exportPkcs8Pem(),
    'odd.pem': odd.cert.toString(), 'odd-key.pem': odd.key.exportPkcs8Pem(),
    'expired.pem': expired.cert.toString(), 'expired-key.pem': expired.key.exportPkcs8Pem(),
    'garbage.pem': 'hello', 'key-as-roots.pem': issuer.key.exportPkcs8Pem(), 'leaf-as-root.pem': leaf.cert.toString(),
  });
  const cases: ReadonlyArray<readonly [string, { certFile: string; keyFile: string; rootsFile?: string }, RegExp]> = [
    ['key of another CA', { certFile: p['issuer.pem'], keyFile: p['other-key.pem'], rootsFile: p['roots.pem'] }, /issuer\.pem: the CA key does not belong to the CA certificate/],
    ['RSA key', { certFile: p['issuer.pem'], keyFile: p['rsa-key.pem'], rootsFile: p['roots.pem'] }, /rsa-key\.pem: the key is rsa; Weft signs with ECDSA P-256 keys only/],
    ['issuer chains to a foreign root', { certFile: p['issuer.pem'], keyFile: p['issuer-key.pem'], rootsFile: p['other-roots.pem'] }, /does not chain to the trust anchors.*\[incomplete-chain\]/],
    ['a leaf as CA', { certFile: p['leaf.pem'], keyFile: p['leaf-key.pem'], rootsFile: p['roots.pem'] }, /leaf\.pem: the CA certificate is not a CA/],
    ['a CA without keyCertSign', { certFile: p['nosign.pem'], keyFile: p['nosign-key.pem'], rootsFile: p['roots.pem'] }, /nosign\.pem: the CA certificate is not a CA/],
    ['undecodable extensions', { certFile: p['odd.pem'], keyFile: p['odd-key.pem'], rootsFile: p['roots.pem'] }, /odd\.pem: the CA certificate has extensions that cannot be decoded/],
    ['an expired CA', { certFile: p['expired.pem'], keyFile: p['expired-key.pem'], rootsFile: p['roots.pem'] }, /expired\.pem: the CA certificate expired at/],
    ['no roots file and no root in the chain', { certFile: p['issuer.pem'], keyFile: p['issuer-key.pem'] }, /no root \(self-signed\) certificate.*--ca-roots/],
    ['garbage certificate file', { certFile: p['garbage.pem'], keyFile: p['issuer-key.pem'], rootsFile: p['roots.pem'] }, /garbage\.pem: no PEM certificate found/],
    ['garbage key file', { certFile: p['issuer.pem'], keyFile: p['garbage.pem'], rootsFile: p['roots.pem'] }, /garbage\.pem: not a readable PEM private key/],
    ['a private key as the roots file', { certFile: p['issuer.pem'], keyFile: p['issuer-key.pem'], rootsFile: p['key-as-roots.pem'] }, /key-as-roots\.pem: a certificate file holds CERTIFICATE blocks only, found a "PRIVATE KEY" block/],
    ['a leaf as a root', { certFile: p['issuer.pem'], keyFile: p['issuer-key.pem'], rootsFile: p['leaf-as-root.pem'] }, /cannot be a trust anchor: it is not a CA/],
    ['a missing file', { certFile: join(dir, 'nope.pem'), keyFile: p['issuer-key.pem'] }, /nope\.pem: cannot read the CA certificate: ENOENT/],
  ];
  for (const [name, files, message] of cases) {
    await assert.rejects(loadCaFiles(TD, files), (err: any) => {
      assert.match(err.message, message, name);
      assert.ok(!err.message.includes('PRIVATE KEY-----'), `${name}: the message quotes no key`);
      return /^WEFT_(CONFIG_INVALID|IO)$/.test(err.code);
    }, name);
  }
});

test('no private key in toString, JSON, inspect or error messages of key-holding objects', async () => {
  const { ca, root, issuer } = await generateCa(TD);
  const { key } = await createCsr(workloadId(TD, 'a', 'b'));
  const pems = [root.key, issuer.key, key].map((k) => k.exportPkcs8Pem());
  const body = (pem: string) => pem.split('\n')[1]; // a line of the key's base64
  for (const holder of [ca, root, issuer, key, root.key, { ca }]) {
    for (const text of [String((holder as { toString(): string }).toString()), JSON.stringify(holder), inspect(holder, { depth: 10, showHidden: true }), `${holder}`]) {
      assert.ok(!text.includes('PRIVATE KEY'), text);
      for (const pem of pems) assert.ok(!text.includes(body(pem)), text);
    }
  }
  assert.match(inspect(key), /redacted/);
  assert.deepEqual(JSON.parse(JSON.stringify(ca)).trustDomain, 'cluster.local');
  assert.throws(() => PrivateKey.fromPem(pems[0].replace('MIG', 'XXX'), 'k.pem'), (err: any) => !err.message.includes('PRIVATE KEY-----') && !err.message.includes(body(pems[0])));
});

test('trust bundles: several roots, merge for rotation, parse refuses non-roots', async () => {
  const a = await generateCa(TD);
  const b = await generateCa(TD);
  const merged = mergeBundles(a.ca.bundle, b.ca.bundle);
  assert.equal(merged.roots.length, 2);
  assert.equal(mergeBundles(merged, b.ca.bundle).roots.length, 2, 'merging is idempotent');
  const reparsed = parseTrustBundle(TD, bundlePem(merged));
  assert.deepEqual(reparsed.roots.map((r) => r.fingerprint256), merged.roots.map((r) => r.fingerprint256));
  assert.throws(() => parseTrustBundle(TD, ''), /no PEM certificate found/);
  assert.throws(() => parseTrustBundle(TD, a.ca.issuer.toString()), /not self-signed/);
  const emptyName = (await forge({ ca: true, subject: '' })).cert.toString();
  assert.throws(() => parseTrustBundle(TD, emptyName), /subject is empty/);
  const expiredRoot = await forge({ ca: true, notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) });
  assert.throws(() => parseTrustBundle(TD, expiredRoot.cert.toString(), new Date(), 'bundle.pem'), /bundle\.pem: certificate 1 \(serial [0-9A-F]+\) cannot be a trust anchor: it expired at/);
  assert.throws(() => mergeBundles(a.ca.bundle, { ...b.ca.bundle, trustDomain: parseTrustDomain('other.org') }), /trust domains/);
  assert.ok(CertificateAuthority.fromParts(a.issuer.cert, [], a.issuer.key, merged), 'an issuer loads under an overlapping bundle');
});
