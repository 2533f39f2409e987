import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Countdown, DeadlineList, type Timed } from './deadlines.ts';

function timed(name: string, fired: string[]): Timed {
  return { deadlineAt: 0, deadlinePrev: null, deadlineNext: null, deadlineList: null, onDeadline: () => fired.push(name) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('entries fire once, in arrival order, after their duration; removed ones never fire', async () => {
  const list = new DeadlineList(200);
  const fired: string[] = [];
  const a = timed('a', fired);
  const b = timed('b', fired);
  const c = timed('c', fired);
  list.add(a);
  await sleep(100);
  list.add(b);
  list.add(c);
  list.remove(b);
  await sleep(150);
  assert.deepEqual(fired, ['a'], 'a was due at 200 ms, c is due at 300 ms');
  await sleep(150);
  assert.deepEqual(fired, ['a', 'c']);
  assert.equal(c.deadlineList, null);
  list.remove(c); // removing an expired entry is harmless
});

test('removing the head leaves later entries on schedule', async () => {
  const list = new DeadlineList(20);
  const fired: string[] = [];
  const a = timed('a', fired);
  const b = timed('b', fired);
  list.add(a);
  await sleep(5);
  list.add(b);
  list.remove(a);
  await sleep(40);
  assert.deepEqual(fired, ['b']);
});

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!check() && performance.now() < end) await sleep(2);
}

test('a Countdown of any length fires once and never early; stop and restart work', async () => {
  const fired: number[] = [];
  let start = performance.now();
  const c = new Countdown({ onCountdown: () => fired.push(performance.now() - start) });
  c.start(137); // waits on the 130 ms list, then on the 7 ms one
  assert.equal(c.running, true);
  await sleep(100);
  assert.deepEqual(fired, []);
  await until(() => fired.length > 0);
  assert.equal(fired.length, 1);
  assert.ok(fired[0] >= 137, `fired at ${fired[0]} ms`);
  assert.equal(c.running, false);
  c.start(30);
  c.stop();
  start = performance.now();
  c.start(60); // a restart replaces the earlier start
  await sleep(40);
  assert.equal(fired.length, 1);
  await until(() => fired.length > 1);
  assert.ok(fired[1] >= 60, `fired at ${fired[1]} ms`);
  await sleep(50);
  assert.equal(fired.length, 2, 'once per start');
});
