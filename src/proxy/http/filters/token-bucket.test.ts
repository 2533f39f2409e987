import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.ts';

test('starts full, empties, and refills tokens_per_fill per whole fill_interval up to max_tokens', () => {
  const b = new TokenBucket(3, 2, 100, 1000);
  assert.deepEqual([b.take(1000), b.take(1001), b.take(1002), b.take(1003)], [true, true, true, false]);
  assert.equal(b.take(1099), false, 'no fill before a whole interval');
  assert.equal(b.take(1100), true, 'one fill: 2 tokens');
  assert.equal(b.take(1150), true);
  assert.equal(b.take(1199), false);
  // Ten intervals later the bucket is full (capped at 3), not at 20.
  assert.deepEqual([b.take(2200), b.take(2200), b.take(2200), b.take(2200)], [true, true, true, false]);
});

test('fills stay on the interval grid: a late request does not shift the next fill', () => {
  const b = new TokenBucket(1, 1, 100, 0);
  assert.equal(b.take(0), true);
  assert.equal(b.take(150), true); // fill at 100
  assert.equal(b.take(199), false);
  assert.equal(b.take(200), true); // next fill at 200, not 250
});
