// xxHash32 of strings (UTF-8 bytes), for ring points and request hash keys. Hand-written because it
// runs per request: synchronous and allocation-free (the bytes go to a reused scratch buffer), which
// the WebAssembly builds on npm are not. Checked against xxhash-wasm in hash.test.ts.

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

let scratch = Buffer.allocUnsafe(1024);

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/** xxHash32 of the first `len` bytes of `b`. */
export function xxhash32Bytes(b: Uint8Array, len: number, seed = 0): number {
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (const limit = len - 16; i <= limit; i += 16) {
      v1 = round(v1, read32(b, i));
      v2 = round(v2, read32(b, i + 4));
      v3 = round(v3, read32(b, i + 8));
      v4 = round(v4, read32(b, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(read32(b, i), P3)) | 0, 17), P4);
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** xxHash32 of a string's UTF-8 encoding. */
export function xxhash32(s: string, seed = 0): number {
  // Up to 3 bytes per UTF-16 code unit; grow the scratch buffer (rarely) rather than allocate per call.
  if (s.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length * 3, scratch.length * 2));
  const len = scratch.write(s, 0, 'utf8');
  return xxhash32Bytes(scratch, len, seed);
}

/** Envoy's way to fold several hash policies into one value (64-bit there): rotate left by one, xor. */
export function combineHash(acc: number, next: number): number {
  return (rotl(acc, 1) ^ next) >>> 0;
}
