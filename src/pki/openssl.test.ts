// Cross-checks with the openssl CLI: the bring-your-own-CA recipe of docs/identity.md loads, and OpenSSL accepts Weft's SVIDs for both TLS purposes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCaFiles } from './ca.ts';
import { createCsr } from './csr.ts';
import { issueSvid } from './issue.ts';
import { parseTrustDomain, workloadId } from './spiffe.ts';
import { verifyPeer } from './verify.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = hasOpenssl() ? false : 'the openssl CLI is not installed';

test('the docs/identity.md openssl recipe makes a CA that Weft loads and issues from; OpenSSL verifies the SVID', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-openssl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  // The recipe, as documented.
  sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', 'root-key.pem', '-out', 'root-cert.pem', '-days', '3650',
    '-subj', '/O=Example/CN=Example mesh root', '-addext', 'basicConstraints=critical,CA:true,pathlen:1', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', 'ca-key.pem', '-out', 'ca.csr', '-subj', '/O=Example/CN=Example mesh issuer']);
  await writeFile(join(dir, 'issuer.ext'), 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  sh(['x509', '-req', '-in', 'ca.csr', '-CA', 'root-cert.pem', '-CAkey', 'root-key.pem', '-days', '365', '-extfile', 'issuer.ext', '-out', 'ca-cert.pem']);

  const td = parseTrustDomain('example.org');
  const ca = await loadCaFiles(td, { certFile: join(dir, 'ca-cert.pem'), keyFile: join(dir, 'ca-key.pem'), rootsFile: join(dir, 'root-cert.pem') });
  const id = workloadId(td, 'shop', 'cart');
  const svid = await issueSvid(ca, (await createCsr(id)).csrPem, id);
  assert.deepEqual(verifyPeer([svid.certificate, ca.issuer], ca.bundle, { role: 'server' }), { ok: true, identity: id });

  await writeFile(join(dir, 'leaf.pem'), svid.certificate.toString());
  for (const purpose of ['sslserver', 'sslclient']) {
    const out = sh(['verify', '-x509_strict', '-purpose', purpose, '-CAfile', 'root-cert.pem', '-untrusted', 'ca-cert.pem', 'leaf.pem']);
    assert.match(out, /leaf\.pem: OK/, purpose);
  }
  // The leaf's text form shows the profile a reviewer expects.
  const text = sh(['x509', '-in', 'leaf.pem', '-noout', '-text']);
  assert.match(text, /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/example\.org\/ns\/shop\/sa\/cart\s/);
  assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\s/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
});
