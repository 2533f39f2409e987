import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IssuanceLog, readIssuanceLog, type IssuedRecord } from './issuance-log.ts';

const record = (serial: string, notAfter: Date, via: IssuedRecord['via'] = 'token'): IssuedRecord => ({
  serial, spiffeId: 'spiffe://cluster.local/ns/shop/sa/cart', issuedAt: new Date().toISOString(), notAfter: notAfter.toISOString(), lineage: 'jti1', via,
});

test('records are appended, found by serial, survive a reopen that drops expired ones and torn lines', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-issued-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'identity', 'issued.jsonl');
  const log = await IssuanceLog.open(path);
  const later = new Date(Date.now() + 3600_000);
  await log.record(record('AA', later));
  await log.record(record('BB', new Date(Date.now() + 50), 'renewal'));
  assert.equal(log.find('AA')?.lineage, 'jti1');
  assert.equal((await stat(path)).mode & 0o777, 0o644);
  await appendFile(path, '{"serial":"CC","spiffeId":');
  await new Promise((r) => setTimeout(r, 60));
  const reopened = await IssuanceLog.open(path);
  assert.deepEqual(reopened.live().map((r) => r.serial), ['AA']);
  assert.equal(reopened.find('BB'), undefined);
  assert.deepEqual((await readIssuanceLog(path)).map((r) => r.serial), ['AA']);
  assert.ok(!(await readFile(path, 'utf8')).includes('CC'), 'compacted on open');
  assert.deepEqual(await readIssuanceLog(join(dir, 'missing.jsonl')), []);
});
