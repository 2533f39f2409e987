import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from './token-store.ts';

const STORE = new URL('./token-store.ts', import.meta.url).pathname;

async function tempStore(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-token-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'tokens.json');
}

test('two processes writing at once (control plane redeeming, weft token revoke) lose no entry', async (t) => {
  const path = await tempStore(t);
  // Each child writes 40 entries as fast as it can; without the lock file their read-modify-write cycles overwrite each other.
  const script = (kind: string) => `
    import { FileTokenStore } from ${JSON.stringify(STORE)};
    const s = new FileTokenStore(${JSON.stringify(path)});
    const exp = new Date(Date.now() + 3600e3);
    for (let i = 0; i < 40; i++) await (${JSON.stringify(kind)} === 'revoke' ? s.revoke('r' + i, exp) : s.markRedeemed('m' + i, exp));`;
  const children = ['revoke', 'redeem'].map((kind) => spawn(process.execPath, ['--input-type=module', '-e', script(kind)], { stdio: 'inherit' }));
  const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0]));
  assert.deepEqual(codes, [0, 0]);
  const state = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(Object.keys(state.revoked).length, 40);
  assert.equal(Object.keys(state.redeemed).length, 40);
  const store = new FileTokenStore(path);
  assert.equal(await store.markRedeemed('m7', new Date(Date.now() + 3600e3)), false);
  assert.equal(await store.isRevoked('r39'), true);
});

test('a lock left by a crashed process is taken over once stale; a live one makes the caller wait', async (t) => {
  const path = await tempStore(t);
  await writeFile(`${path}.lock`, '');
  const old = new Date(Date.now() - 60_000);
  await utimes(`${path}.lock`, old, old);
  const store = new FileTokenStore(path);
  assert.equal(await store.markRedeemed('a', new Date(Date.now() + 3600e3)), true);

  await writeFile(`${path}.lock`, '');
  const started = Date.now();
  const pending = store.isRevoked('a');
  setTimeout(() => void rm(`${path}.lock`), 150);
  assert.equal(await pending, false);
  assert.ok(Date.now() - started >= 140, 'waited for the holder');
});
