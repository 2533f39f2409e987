import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grpcTimeoutMs } from './grpc-timeout.ts';

const none = { maxMs: 0, offsetMs: 0 };

test('every unit of grpc-timeout, up to 8 digits', () => {
  assert.equal(grpcTimeoutMs('1H', none), 3_600_000);
  assert.equal(grpcTimeoutMs('2M', none), 120_000);
  assert.equal(grpcTimeoutMs('3S', none), 3_000);
  assert.equal(grpcTimeoutMs('250m', none), 250);
  assert.equal(grpcTimeoutMs('1500u', none), 1.5);
  assert.equal(grpcTimeoutMs('2000000n', none), 2);
  assert.equal(grpcTimeoutMs('99999999m', none), 99_999_999);
});

test('a malformed header is ignored (-1), as Envoy does', () => {
  for (const bad of ['', 'S', '10', '10s', '10 S', '-1S', '123456789S', '1.5S', 'xS']) assert.equal(grpcTimeoutMs(bad, none), -1, bad);
});

test('capped by grpc_timeout_header_max, then less grpc_timeout_header_offset, never below 0', () => {
  assert.equal(grpcTimeoutMs('10S', { maxMs: 2_000, offsetMs: 0 }), 2_000);
  assert.equal(grpcTimeoutMs('1S', { maxMs: 2_000, offsetMs: 0 }), 1_000);
  assert.equal(grpcTimeoutMs('1S', { maxMs: 0, offsetMs: 100 }), 900);
  assert.equal(grpcTimeoutMs('50m', { maxMs: 0, offsetMs: 100 }), 0);
});
