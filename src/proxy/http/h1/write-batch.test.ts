import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseLater, type Holder } from './write-batch.ts';

test('held writes are released after the current turn, in the order they were held, once per request', async () => {
  const log: string[] = [];
  const holder = (name: string): Holder => ({ releaseHeld: () => log.push(name) });
  const a = holder('a');
  const b = holder('b');
  releaseLater(a);
  releaseLater(b);
  releaseLater(a); // held again after a write in between: released again (a no-op for a real holder)
  await Promise.resolve();
  process.nextTick(() => log.push('tick'));
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(log, ['tick'], 'nothing is released before the turn ends');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['tick', 'a', 'b', 'a']);
  releaseLater(b);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['tick', 'a', 'b', 'a', 'b'], 'a later turn is scheduled again');
});

test('a holder that throws does not keep the others from writing', async () => {
  const log: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  let said = '';
  process.stderr.write = ((s: string) => { said += s; return true; }) as typeof process.stderr.write;
  try {
    releaseLater({ releaseHeld: () => { throw new Error('boom'); } });
    releaseLater({ releaseHeld: () => log.push('ok') });
    await new Promise((r) => setImmediate(r));
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(log, ['ok']);
  assert.match(said, /held write failed: boom/);
});
