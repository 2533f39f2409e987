import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { durationMs, formatDuration, parseDuration } from './duration.ts';

test('proto-JSON strings and {seconds, nanos} parse to the same duration', () => {
  assert.deepEqual(parseDuration('1.5s'), { ok: true, seconds: 1, nanos: 500_000_000 });
  assert.deepEqual(parseDuration('0.250s'), { ok: true, seconds: 0, nanos: 250_000_000 });
  assert.deepEqual(parseDuration({ seconds: 1, nanos: 500_000_000 }), { ok: true, seconds: 1, nanos: 500_000_000 });
  assert.deepEqual(parseDuration({ seconds: '15' }), { ok: true, seconds: 15, nanos: 0 });
  assert.deepEqual(parseDuration('0s'), { ok: true, seconds: 0, nanos: 0 });
});

test('malformed and negative durations are refused with a reason', () => {
  for (const bad of ['5', '5ms', '1.0000000001s', 's', '-1s', { seconds: -1 }, { nanos: 1e9 }, { minutes: 1 }, 5, null]) {
    const r = parseDuration(bad);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(bad)}`);
  }
  const r = parseDuration('5');
  assert.ok(!r.ok && /"5s"/.test(r.reason));
});

test('canonical form has 0, 3, 6 or 9 fractional digits, as protobuf prints it', () => {
  assert.equal(formatDuration(5, 0), '5s');
  assert.equal(formatDuration(0, 250_000_000), '0.250s');
  assert.equal(formatDuration(1, 1_000), '1.000001s');
  assert.equal(formatDuration(1, 1), '1.000000001s');
});

test('durationMs keeps sub-millisecond precision', () => {
  assert.equal(durationMs('15s'), 15_000);
  assert.equal(durationMs('0.250s'), 250);
  assert.equal(durationMs('0.000500s'), 0.5);
  assert.throws(() => durationMs('soon'), TypeError);
});

test('property: format then parse is the identity', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 999_999_999 }), (s, n) => {
      const r = parseDuration(formatDuration(s, n));
      assert.deepEqual(r, { ok: true, seconds: s, nanos: n });
    }),
  );
});
