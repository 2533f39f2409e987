import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, generateCa, parseTrustDomain, PrivateKey, verifyPeer, workloadId } from '../../pki/index.ts';
import { IdentitySigner } from './signer.ts';
import { FileTokenStore } from './token-store.ts';
import { WorkloadTokens } from './tokens.ts';

const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');
const admin = workloadId(TD, 'shop', 'admin');

async function setup(t: { after: (fn: () => Promise<void>) => void }, ttlMs?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-signer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { ca } = await generateCa(TD);
  const tokens = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'tokens.json')));
  return { dir, ca, tokens, signer: new IdentitySigner(ca, tokens, { ttlMs }) };
}

test('a token and a matching CSR get a certificate chain and the trust bundle', async (t) => {
  const { ca, tokens, signer } = await setup(t, 3600_000);
  const { token } = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  const response = await signer.sign({ credential: token, csrPem: (await createCsr(cart)).csrPem });
  assert.deepEqual(response.identity, cart);
  const chain = response.certificateChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
  assert.deepEqual(verifyPeer(chain, ca.bundle, { role: 'client' }), { ok: true, identity: cart });
  assert.ok(response.trustBundlePem.includes(ca.bundle.roots[0].toString()));
  assert.ok(Math.abs(response.notAfter.getTime() - Date.now() - 3600_000) < 5000);
});

test('B4: a CSR for another identity is refused and does not burn the token; a replay is refused', async (t) => {
  const { tokens, signer } = await setup(t);
  const { token } = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  await assert.rejects(signer.sign({ credential: token, csrPem: (await createCsr(admin)).csrPem }), (err: any) => err.code === 'WEFT_IDENTITY_DENIED');
  await signer.sign({ credential: token, csrPem: (await createCsr(cart)).csrPem });
  await assert.rejects(signer.sign({ credential: token, csrPem: (await createCsr(cart)).csrPem }), (err: any) => err.code === 'WEFT_TOKEN_INVALID' && /\[replayed\]/.test(err.message));
});

test('concurrent requests with one single-use token: exactly one certificate comes out', async (t) => {
  const { tokens, signer } = await setup(t);
  const { token } = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  const csrs = await Promise.all(Array.from({ length: 8 }, () => createCsr(cart)));
  const results = await Promise.allSettled(csrs.map(({ csrPem }) => signer.sign({ credential: token, csrPem })));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(results.every((r) => r.status === 'fulfilled' || /\[replayed\]/.test((r.reason as Error).message)));
});

test('a forged or revoked token gets nothing', async (t) => {
  const { dir, tokens, signer } = await setup(t);
  const { csrPem } = await createCsr(cart);
  const other = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'other.json')));
  await assert.rejects(signer.sign({ credential: other.mint({ namespace: 'shop', serviceAccount: 'cart' }).token, csrPem }), /\[bad-signature\]/);
  const minted = tokens.mint({ namespace: 'shop', serviceAccount: 'cart', reusable: true });
  await signer.sign({ credential: minted.token, csrPem });
  await tokens.revoke(minted.jti, minted.expiresAt);
  await assert.rejects(signer.sign({ credential: minted.token, csrPem }), /\[revoked\]/);
});
