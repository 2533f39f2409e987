import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayQueue, type Delayed } from './delay-queue.ts';

function entry(name: string, log: string[]): Delayed & { name: string } {
  return { name, delayAt: 0, delayIndex: -1, onDelayEnd: () => log.push(name) };
}

test('entries end in deadline order whatever order they were added in; removed ones never end', () => {
  let now = 0;
  const q = new DelayQueue(() => now);
  const log: string[] = [];
  const ms = [50, 10, 40, 10, 30, 20, 60, 5];
  const entries = ms.map((m, i) => {
    const e = entry(`${m}:${i}`, log);
    q.add(e, m);
    return e;
  });
  q.remove(entries[2]); // 40
  q.remove(entries[2]); // twice is harmless
  assert.equal(entries[2].delayIndex, -1);
  now = 25;
  q.expire();
  assert.deepEqual(log, ['5:7', '10:1', '10:3', '20:5']);
  now = 1000;
  q.expire();
  assert.deepEqual(log, ['5:7', '10:1', '10:3', '20:5', '30:4', '50:0', '60:6']);
  assert.equal(q.size, 0);
});

test('a random workload of adds and removes: each expire ends exactly the due entries, in order (property)', () => {
  let now = 0;
  const q = new DelayQueue(() => now);
  let batch: number[] = [];
  const live = new Set<Delayed>();
  const expireAndCheck = (): void => {
    batch = [];
    q.expire();
    for (let i = 1; i < batch.length; i++) assert.ok(batch[i] >= batch[i - 1], 'in deadline order');
    assert.ok(batch.every((at) => at <= now), 'none ends early');
    assert.ok([...live].every((e) => e.delayAt > now), 'none due is left behind');
  };
  for (let i = 0; i < 3000; i++) {
    if (live.size > 0 && Math.random() < 0.3) {
      const victim = [...live][Math.floor(Math.random() * live.size)];
      q.remove(victim);
      live.delete(victim);
    } else {
      const e: Delayed = { delayAt: 0, delayIndex: -1, onDelayEnd: () => { batch.push(e.delayAt); live.delete(e); } };
      q.add(e, Math.floor(Math.random() * 500));
      live.add(e);
    }
    if (i % 50 === 0) {
      now += 37;
      expireAndCheck();
    }
    assert.equal(q.size, live.size);
  }
  now += 10_000;
  expireAndCheck();
  assert.equal(q.size, 0);
});

test('one real timer serves many delays, and an early timer re-arms instead of ending a delay too soon', async () => {
  const q = new DelayQueue();
  const ends: number[] = [];
  const start = performance.now();
  for (const ms of [60, 20, 40]) {
    q.add({ delayAt: 0, delayIndex: -1, onDelayEnd: () => ends.push(performance.now() - start) }, ms);
  }
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(ends.length, 3);
  assert.ok(ends[0] >= 20 && ends[1] >= 40 && ends[2] >= 60, `ended at ${ends.map((e) => e.toFixed(1)).join(', ')} ms`);
});
