import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineList, type Timed } from './deadlines.ts';

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
