import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';

test('delays double up to the cap, jittered within [ceiling/2, ceiling), and reset starts over', () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999 });
  const delays = [1, 2, 3, 4, 5].map(() => high.next());
  assert.ok(delays.every((d, i) => d < Math.min(1000, 100 * 2 ** i) && d >= Math.min(1000, 100 * 2 ** i) / 2));
  high.reset();
  assert.ok(high.next() < 100);
  const real = new Backoff();
  const spread = new Set(Array.from({ length: 20 }, () => new Backoff().next()));
  assert.ok(spread.size > 10, 'two proxies rarely pick the same delay');
  assert.ok(real.next() >= 250 && real.next() < 1000);
});
