import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateKey, parseTrustDomain } from '../../pki/index.ts';
import { FileTokenStore } from './token-store.ts';
import { openTokenKey, WorkloadTokens } from './tokens.ts';

const TD = parseTrustDomain('cluster.local');

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-tokens-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'tokens.json');
  const key = await PrivateKey.generate();
  return { dir, storePath, key, tokens: new WorkloadTokens(TD, key, new FileTokenStore(storePath)) };
}

function refusedWith(reason: string) {
  return (err: any) => err.code === 'WEFT_TOKEN_INVALID' && err.message.includes(`[${reason}]`);
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

test('a minted token is redeemed once for its identity; a replay is refused', async (t) => {
  const { tokens } = await setup(t);
  const minted = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  assert.equal(minted.identity.id, 'spiffe://cluster.local/ns/shop/sa/cart');
  const claims = await tokens.verify(minted.token);
  assert.equal(claims.sub, minted.identity.id);
  assert.equal(claims.exp - claims.iat, 24 * 3600);
  assert.deepEqual(await tokens.redeem(minted.token), minted.identity);
  await assert.rejects(tokens.redeem(minted.token), refusedWith('replayed'));
});

test('redemption state survives a restart of the control plane', async (t) => {
  const { storePath, key, tokens } = await setup(t);
  const minted = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  await tokens.redeem(minted.token);
  const restarted = new WorkloadTokens(TD, key, new FileTokenStore(storePath));
  await assert.rejects(restarted.redeem(minted.token), refusedWith('replayed'));
  assert.equal((await stat(storePath)).mode & 0o777, 0o600);
});

test('a reusable token can be redeemed again until it is revoked', async (t) => {
  const { tokens } = await setup(t);
  const minted = tokens.mint({ namespace: 'shop', serviceAccount: 'cart', reusable: true });
  await tokens.redeem(minted.token);
  await tokens.redeem(minted.token);
  await tokens.revoke(minted.jti, minted.expiresAt);
  await assert.rejects(tokens.redeem(minted.token), refusedWith('revoked'));
  await assert.rejects(tokens.verify(minted.token), refusedWith('revoked'));
});

test('concurrent redemptions of one single-use token: exactly one wins', async (t) => {
  const { tokens } = await setup(t);
  const minted = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => tokens.redeem(minted.token)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});

test('expired, future, forged, altered and foreign tokens are refused with their reason', async (t) => {
  const { tokens, key, dir } = await setup(t);
  const now = new Date();
  const expired = tokens.mint({ namespace: 'a', serviceAccount: 'b', ttlMs: 60_000, now: new Date(now.getTime() - 120_000) });
  await assert.rejects(tokens.verify(expired.token, now), refusedWith('expired'));
  const future = tokens.mint({ namespace: 'a', serviceAccount: 'b', now: new Date(now.getTime() + 3600_000) });
  await assert.rejects(tokens.verify(future.token, now), refusedWith('not-yet-valid'));

  const good = tokens.mint({ namespace: 'a', serviceAccount: 'b' }).token;
  const [h, p, s] = good.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  // Altered claims under the original signature: the identity escalates, the signature breaks.
  await assert.rejects(tokens.verify(`${h}.${b64json({ ...payload, sa: 'admin', sub: 'spiffe://cluster.local/ns/a/sa/admin' })}.${s}`), refusedWith('bad-signature'));
  // Signed by another control plane's key.
  const other = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'other.json')));
  await assert.rejects(tokens.verify(other.mint({ namespace: 'a', serviceAccount: 'b' }).token), refusedWith('bad-signature'));
  // alg=none and HS256 headers.
  await assert.rejects(tokens.verify(`${b64json({ alg: 'none', typ: 'JWT' })}.${p}.`), refusedWith('malformed'));
  await assert.rejects(tokens.verify(`${b64json({ alg: 'none', typ: 'JWT' })}.${p}.${s}`), refusedWith('bad-algorithm'));
  await assert.rejects(tokens.verify(`${b64json({ alg: 'HS256', typ: 'JWT' })}.${p}.${s}`), refusedWith('bad-algorithm'));
  // A token of another trust domain signed with the same key.
  const otherDomain = new WorkloadTokens(parseTrustDomain('other.org'), key, new FileTokenStore(join(dir, 'other-domain.json')));
  await assert.rejects(tokens.verify(otherDomain.mint({ namespace: 'a', serviceAccount: 'b' }).token), refusedWith('wrong-audience'));
  for (const junk of ['', 'abc', 'a.b', 'a.b.c.d', `${h}.${p}.${s}!`, `${b64json([1])}.${p}.${s}`]) {
    await assert.rejects(tokens.verify(junk), refusedWith('malformed'), junk);
  }
  // Errors never echo the token (it is a credential).
  await assert.rejects(tokens.verify(`${h}.${p}.${s.slice(1)}`), (err: any) => !err.message.includes(s.slice(1)));
});

test('minting validates the identity and the lifetime', async (t) => {
  const { tokens } = await setup(t);
  assert.throws(() => tokens.mint({ namespace: 'a/b', serviceAccount: 'c' }), /namespace "a\/b"/);
  assert.throws(() => tokens.mint({ namespace: 'a', serviceAccount: 'c', ttlMs: 1000 }), /between 1 minute and 1 year/);
  await assert.rejects(tokens.revoke('not a jti!'), (err: any) => err.code === 'WEFT_USAGE');
});

test('a corrupt token store is refused, not treated as empty (that would un-revoke tokens)', async (t) => {
  const { storePath, key } = await setup(t);
  await writeFile(storePath, '{"revoked":', { mode: 0o600 });
  const tokens = new WorkloadTokens(TD, key, new FileTokenStore(storePath));
  const minted = tokens.mint({ namespace: 'a', serviceAccount: 'b' });
  await assert.rejects(tokens.verify(minted.token), (err: any) => err.code === 'WEFT_IO' && /not valid JSON/.test(err.message));
  assert.equal(await readFile(storePath, 'utf8'), '{"revoked":');
});

test('the token signing key is generated once (0600) and loaded afterwards', async (t) => {
  const { dir } = await setup(t);
  const path = join(dir, 'token-key.pem');
  const first = await openTokenKey(path);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const second = await openTokenKey(path);
  const a = new WorkloadTokens(TD, first, new FileTokenStore(join(dir, 's.json')));
  const b = new WorkloadTokens(TD, second, new FileTokenStore(join(dir, 's.json')));
  assert.equal((await b.verify(a.mint({ namespace: 'a', serviceAccount: 'b' }).token)).sa, 'b');
});
