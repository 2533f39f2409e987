// The node:sqlite store: the shared conformance suite, plus durability across a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformance, svc } from './conformance.ts';
import { openSqliteStore, DB_FILE } from './sqlite.ts';
import type { WatchEvent } from './store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-store-'));
  dirs.push(dir);
  return dir;
}
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

storeConformance('sqlite store', async (options) => openSqliteStore(tempDir(), options));

test('sqlite store: resources, revision and watch history survive a reopen', async () => {
  const dir = tempDir();
  const first = openSqliteStore(dir);
  await first.apply([svc('a'), svc('b')]);
  await first.apply([svc('a', 81)]);
  await first.delete({ kind: 'Service', namespace: 'default', name: 'b' });
  const before = await first.get({ kind: 'Service', namespace: 'default', name: 'a' });
  await first.close();

  const second = openSqliteStore(dir);
  assert.equal(await second.revision(), 4);
  assert.deepEqual(await second.get({ kind: 'Service', namespace: 'default', name: 'a' }), before);
  assert.equal(await second.get({ kind: 'Service', namespace: 'default', name: 'b' }), undefined);
  const events: WatchEvent[] = [];
  await second.watch({}, 1, (e) => events.push(e));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(events.map((e) => `${e.type}@${e.revision}`), ['ADDED@2', 'MODIFIED@3', 'DELETED@4']);
  const [next] = await second.apply([svc('c')]);
  assert.equal(next.resource.metadata.resourceVersion, '5', 'the revision counter continues');
  await second.close();
});

test('sqlite store: the journal is WAL', async () => {
  const dir = tempDir();
  const store = openSqliteStore(dir);
  await store.apply([svc('a')]);
  await store.close();
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.close();
});

test('sqlite store: an unusable data directory is a WEFT_IO error naming it', () => {
  const dir = tempDir();
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  assert.throws(() => openSqliteStore(file), (err: Error & { code?: string }) => err.code === 'WEFT_IO' && err.message.includes(file));
  const corrupt = join(dir, 'corrupt');
  mkdirSync(corrupt);
  writeFileSync(join(corrupt, DB_FILE), 'this is not a database '.repeat(100));
  assert.throws(() => openSqliteStore(corrupt), (err: Error & { code?: string }) => err.code === 'WEFT_IO' && /cannot open the store/.test(err.message));
});

test('sqlite store: a second store on the same data directory is refused while the first is open', async () => {
  const dir = tempDir();
  const first = openSqliteStore(dir);
  await first.apply([svc('a')]);
  assert.throws(() => openSqliteStore(dir), (err: Error & { code?: string }) => err.code === 'WEFT_IO' && /in use by another weft control-plane/.test(err.message));
  await first.close();
  const second = openSqliteStore(dir);
  assert.equal(await second.revision(), 1, 'once the first is closed, the directory opens normally');
  await second.close();
});
