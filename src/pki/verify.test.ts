import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { generateCa } from './ca.ts';
import { createCsr } from './csr.ts';
import { issueSvid } from './issue.ts';
import { parseTrustDomain, workloadId } from './spiffe.ts';
import { forge, weakSpki, type Forger } from './testkit.ts';
import { assertPeer, verifyPeer, type PeerRefusalReason, type PeerRole } from './verify.ts';
import { x509 } from './x509.ts';

const TD = parseTrustDomain('cluster.local');
const ID = 'spiffe://cluster.local/ns/shop/sa/cart';
const HOUR = 3600_000;

const { ca, root, issuer } = await generateCa(TD);
const foreign = await generateCa(TD);
const bundle = ca.bundle;

interface BadCase {
  readonly name: string;
  readonly reason: PeerRefusalReason;
  readonly role?: PeerRole;
  readonly chain: () => Promise<readonly (X509Certificate | Buffer | string)[]>;
}

/** A leaf signed by the mesh's issuer, presented with the issuer: only `options` make it bad. */
async function leaf(options: Parameters<typeof forge>[0] = {}, signer: Forger = issuer): Promise<X509Certificate[]> {
  const { cert } = await forge({ uris: [ID], signer, ...options });
  return [cert, signer.cert];
}

function tamper(cert: X509Certificate): Buffer {
  const der = Buffer.from(cert.raw);
  der[der.length - 1] ^= 0x01; // the last byte belongs to the signature value
  return der;
}

const corpus: readonly BadCase[] = [
  { name: 'expired', reason: 'expired', chain: () => leaf({ notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) }) },
  { name: 'not yet valid', reason: 'not-yet-valid', chain: () => leaf({ notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 3 * HOUR) }) },
  { name: 'wrong trust domain', reason: 'wrong-trust-domain', chain: () => leaf({ uris: ['spiffe://evil.example/ns/shop/sa/cart'] }) },
  { name: 'two URI SANs', reason: 'multiple-uri-sans', chain: () => leaf({ uris: [ID, 'spiffe://cluster.local/ns/shop/sa/admin'] }) },
  { name: 'no SAN', reason: 'no-san', chain: () => leaf({ uris: [], subject: 'CN=cart' }) },
  { name: 'DNS-only SAN', reason: 'no-uri-san', chain: () => leaf({ uris: [], dns: ['cart.shop.svc.cluster.local'] }) },
  { name: 'cA=true leaf', reason: 'leaf-is-ca', chain: () => leaf({ ca: true, subject: '', keyUsage: x509.KeyUsageFlags.digitalSignature }) },
  { name: 'keyCertSign on a leaf', reason: 'leaf-can-sign', chain: () => leaf({ keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign }) },
  { name: 'cRLSign on a leaf', reason: 'leaf-can-sign', chain: () => leaf({ keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign }) },
  { name: 'no digitalSignature', reason: 'no-digital-signature', chain: () => leaf({ keyUsage: x509.KeyUsageFlags.keyEncipherment }) },
  { name: 'serverAuth-only EKU used as a client', reason: 'wrong-purpose', role: 'client', chain: () => leaf({ eku: [x509.ExtendedKeyUsage.serverAuth] }) },
  { name: 'RSA-1024 key', reason: 'weak-key', chain: () => leaf({ spki: weakSpki('rsa-1024') }) },
  { name: 'P-192 key', reason: 'weak-key', chain: () => leaf({ spki: weakSpki('p-192') }) },
  { name: 'SHA-1 signature', reason: 'weak-signature', chain: () => leaf({ hash: 'SHA-1' }) },
  { name: 'unknown critical extension', reason: 'unknown-critical-extension', chain: () => leaf({ extra: [new x509.Extension('1.3.6.1.4.1.55555.1', true, new Uint8Array([0x05, 0x00]))] }) },
  { name: 'non-SPIFFE URI', reason: 'not-spiffe', chain: () => leaf({ uris: ['https://cart.shop.example/'] }) },
  { name: 'SPIFFE ID with a ".." segment', reason: 'bad-spiffe-id', chain: () => leaf({ uris: ['spiffe://cluster.local/ns/../sa/cart'] }) },
  { name: 'SPIFFE ID with an uppercase trust domain', reason: 'bad-spiffe-id', chain: () => leaf({ uris: ['spiffe://Cluster.local/ns/shop/sa/cart'] }) },
  { name: 'SPIFFE ID with a query', reason: 'bad-spiffe-id', chain: () => leaf({ uris: ['spiffe://cluster.local/ns/shop/sa/cart?admin=1'] }) },
  { name: 'SPIFFE ID that is not /ns/*/sa/*', reason: 'not-workload-id', chain: () => leaf({ uris: ['spiffe://cluster.local/db/primary'] }) },
  { name: 'foreign root (its own intermediate presented)', reason: 'untrusted-root', chain: () => leaf({}, foreign.issuer) },
  { name: 'foreign root presented with its chain', reason: 'untrusted-root', chain: async () => [...(await leaf({}, foreign.issuer)), foreign.root.cert] },
  { name: 'self-signed leaf', reason: 'untrusted-root', chain: async () => [(await forge({ uris: [ID] })).cert] },
  { name: 'intermediate missing', reason: 'incomplete-chain', chain: async () => [(await leaf())[0]] },
  { name: 'signature tampered', reason: 'bad-signature', chain: async () => { const [l, i] = await leaf(); return [tamper(l), i]; } },
  { name: 'leaf signed by another leaf', reason: 'issuer-not-ca', chain: async () => {
    const signerLeaf = await forge({ uris: [ID], signer: issuer });
    return [...(await leaf({}, signerLeaf)), issuer.cert];
  } },
  { name: 'intermediate expired', reason: 'expired', chain: async () => {
    const old = await forge({ signer: issuer, ca: true, notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) });
    return leaf({}, old);
  } },
  { name: 'CA below the pathLen:0 issuer', reason: 'path-length-exceeded', chain: async () => {
    const sub = await forge({ signer: issuer, ca: true });
    return [...(await leaf({}, sub)), issuer.cert];
  } },
  { name: 'undecodable keyUsage extension', reason: 'malformed', chain: () => leaf({ keyUsage: null, extra: [new x509.Extension('2.5.29.15', true, new Uint8Array([0x05, 0x00]))] }) },
  { name: 'intermediate with an undecodable extension', reason: 'malformed', chain: async () => {
    const odd = await forge({ signer: issuer, ca: true, keyUsage: null, extra: [new x509.Extension('2.5.29.15', true, new Uint8Array([0x05, 0x00]))] });
    return leaf({}, odd);
  } },
  { name: 'not DER at all', reason: 'malformed', chain: async () => [Buffer.from('not a certificate')] },
  { name: 'no certificate', reason: 'no-certificate', chain: async () => [] },
];

test(`B1: ${corpus.length} malformed certificates are each refused with their reason`, async () => {
  assert.ok(corpus.length >= 20);
  const outcome: string[] = [];
  for (const bad of corpus) {
    const result = verifyPeer(await bad.chain(), bundle, { role: bad.role ?? 'server' });
    outcome.push(`${bad.name}: ${result.ok ? 'ACCEPTED' : result.reason}`);
  }
  assert.deepEqual(outcome, corpus.map((bad) => `${bad.name}: ${bad.reason}`));
});

test('issued SVIDs are accepted and yield the SPIFFE ID, with or without the root, in any order', async () => {
  const identity = workloadId(TD, 'shop', 'cart');
  const { csrPem } = await createCsr(identity);
  const svid = await issueSvid(ca, csrPem, identity);
  const [leafPem, issuerPem] = svid.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
  for (const chain of [[leafPem, issuerPem], [leafPem, root.cert.toString(), issuerPem], [svid.certificate, issuer.cert, root.cert]]) {
    for (const role of ['server', 'client'] as const) {
      const result = verifyPeer(chain, bundle, { role });
      assert.deepEqual(result, { ok: true, identity });
    }
  }
  assert.deepEqual(assertPeer([svid.certificate, issuer.cert], bundle, { role: 'client' }), identity);
});

test('a leaf without EKU or key usage is accepted (both extensions are optional in an SVID)', async () => {
  const result = verifyPeer(await leaf({ eku: null, keyUsage: null }), bundle, { role: 'client' });
  assert.equal(result.ok, true);
});

test('assertPeer throws WEFT_CERT_INVALID naming the reason', async () => {
  const chain = await leaf({ uris: [ID, ID] });
  assert.throws(() => assertPeer(chain, bundle, { role: 'server' }), (err: any) => err.code === 'WEFT_CERT_INVALID' && /\[multiple-uri-sans\]/.test(err.message));
});

test('verification is at the given time: an SVID expires', async () => {
  const identity = workloadId(TD, 'shop', 'cart');
  const svid = await issueSvid(ca, (await createCsr(identity)).csrPem, identity, { ttlMs: 10 * 60_000 });
  const chain = [svid.certificate, issuer.cert];
  assert.equal(verifyPeer(chain, bundle, { role: 'server', now: new Date(Date.now() + 9 * 60_000) }).ok, true);
  const later = verifyPeer(chain, bundle, { role: 'server', now: new Date(Date.now() + 11 * 60_000) });
  assert.equal(later.ok ? 'accepted' : later.reason, 'expired');
});
