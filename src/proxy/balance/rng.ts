// The balancers' random numbers: xorshift32 seeded once from the OS. Math.random allocates a little
// on every call in V8 (measured: ~0.3 B per call, several MB per million picks); this does not, and a
// balancer needs spread, not cryptographic quality.
import { randomBytes } from 'node:crypto';

let state = randomBytes(4).readUInt32LE(0) || 0x9e3779b9;

function next(): number {
  let s = state;
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  state = s;
  return s >>> 0;
}

/** Uniform integer in [0, n), n ≤ 2^32 (multiply-shift reduction, no modulo bias worth the name). */
export function randomInt(n: number): number {
  return Math.floor((next() / 0x1_0000_0000) * n);
}

/** Uniform in [0, 1). */
export function randomUnit(): number {
  return next() / 0x1_0000_0000;
}

/** Uniform uint32. */
export function randomUint32(): number {
  return next();
}
