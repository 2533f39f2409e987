import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePem, createCsr, generateCa, issueSvid, parseTrustDomain, workloadId } from '../../pki/index.ts';
import { SecretStore } from './secrets.ts';

const TD = parseTrustDomain('cluster.local');
const { ca } = await generateCa(TD);
const id = workloadId(TD, 'shop', 'web');

async function svid(): Promise<{ cert: string; key: string; serial: string }> {
  const { key, csrPem } = await createCsr(id);
  const issued = await issueSvid(ca, csrPem, id);
  return { cert: issued.chainPem, key: key.exportPkcs8Pem(), serial: issued.serialNumber };
}

function quiet(): { store: SecretStore; lines: string[] } {
  const lines: string[] = [];
  return { store: new SecretStore((l) => lines.push(l)), lines };
}

test('a file-backed certificate rotates when its files are replaced; subscribers hear of it once per change', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-secrets-'));
  const { store } = quiet();
  t.after(() => { store.close(); rmSync(dir, { recursive: true, force: true }); });
  const write = (name: string, text: string) => { writeFileSync(join(dir, `${name}.tmp`), text); renameSync(join(dir, `${name}.tmp`), join(dir, name)); };
  const first = await svid();
  write('key.pem', first.key);
  write('cert.pem', first.cert);
  store.define({ name: 'own', tls_certificate: { certificate_chain: { filename: join(dir, 'cert.pem') }, private_key: { filename: join(dir, 'key.pem') } } }, 'secrets[0]');
  assert.equal(store.certificate('own')!.chain[0].serialNumber, first.serial);
  let calls = 0;
  store.subscribe('own', () => calls++);
  const next = await svid();
  write('key.pem', next.key);
  write('cert.pem', next.cert);
  const deadline = Date.now() + 3000;
  while (store.certificate('own')!.chain[0].serialNumber !== next.serial && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(store.certificate('own')!.chain[0].serialNumber, next.serial);
  assert.equal(calls, 1);
  assert.equal(store.rotations('own'), 1);
});

test('update (the SDS seam) swaps the content; a bad update keeps the previous content and says why', async () => {
  const { store } = quiet();
  const a = await svid();
  const b = await svid();
  store.define({ name: 'own', tls_certificate: { certificate_chain: { inline_string: a.cert }, private_key: { inline_string: a.key } } }, 'secrets[0]');
  store.define({ name: 'trust', validation_context: { trusted_ca: { inline_string: bundlePem(ca.bundle) } } }, 'secrets[1]');
  store.update({ name: 'own', tls_certificate: { certificate_chain: { inline_string: b.cert }, private_key: { inline_string: b.key } } });
  assert.equal(store.certificate('own')!.chain[0].serialNumber, b.serial);
  // A key of another certificate: refused, and the key never appears in the message.
  assert.throws(() => store.update({ name: 'own', tls_certificate: { certificate_chain: { inline_string: a.cert }, private_key: { inline_string: b.key } } }), (err: Error) => {
    assert.match(err.message, /do not belong together/);
    assert.doesNotMatch(err.message, /PRIVATE KEY/);
    return true;
  });
  assert.equal(store.certificate('own')!.chain[0].serialNumber, b.serial);
  assert.throws(() => store.update({ name: 'trust', tls_certificate: { certificate_chain: { inline_string: a.cert }, private_key: { inline_string: a.key } } }), /cannot change its kind/);
  assert.throws(() => store.update({ name: 'nope', validation_context: { trusted_ca: { inline_string: bundlePem(ca.bundle) } } }), /no secret named 'nope'/);
  assert.throws(() => store.validation('own'), /is a tls_certificate, not a validation_context/);
  store.close();
});

test('trust anchors must be root CAs; a leaf pasted as trusted_ca is refused with the field path', async () => {
  const { store } = quiet();
  const leaf = await svid();
  assert.throws(
    () => store.define({ name: 'trust', validation_context: { trusted_ca: { inline_string: leaf.cert } } }, 'static_resources.secrets[0]'),
    /static_resources\.secrets\[0\]\.validation_context\.trusted_ca: certificate 1 .* cannot be a trust anchor/,
  );
  assert.throws(
    () => store.define({ name: 'gone', tls_certificate: { certificate_chain: { filename: '/nonexistent/cert.pem' }, private_key: { filename: '/nonexistent/key.pem' } } }, 'x'),
    /x\.tls_certificate\.certificate_chain: cannot read \/nonexistent\/cert\.pem: ENOENT/,
  );
  store.close();
});
