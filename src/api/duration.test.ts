import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs } from './duration.ts';

test('Gateway API durations convert to milliseconds', () => {
  assert.equal(durationMs('1h'), 3_600_000);
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('1h2m3s4ms'), 3_723_004);
  assert.equal(durationMs('0s'), 0);
});

test('malformed durations are refused', () => {
  for (const bad of ['', '1', '1.5s', '-1s', '1d', '123456s', '1h1h1h1h1h', ' 1s']) assert.equal(durationMs(bad), undefined, bad);
});
