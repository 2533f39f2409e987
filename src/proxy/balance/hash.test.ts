// xxHash32 against published vectors and, differentially, against xxhash-wasm (the reference C code
// compiled to WebAssembly) over random strings of every length class the stripe loop distinguishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import xxhash from 'xxhash-wasm';
import fc from 'fast-check';
import { combineHash, xxhash32 } from './hash.ts';

test('published xxHash32 vectors', () => {
  assert.equal(xxhash32(''), 0x02cc5d05);
  assert.equal(xxhash32('abc'), 0x32d153ff);
  assert.equal(xxhash32('Nobody inspects the spammish repetition'), 0xe2293b2f);
});

test('same as the reference implementation (xxhash-wasm) for random strings and seeds', async () => {
  const { h32 } = await xxhash();
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
      assert.equal(xxhash32(s, seed), h32(s, seed), JSON.stringify(s));
    }),
    { numRuns: 2000 },
  );
  const long = 'x'.repeat(5000) + 'é✓😀';
  assert.equal(xxhash32(long), h32(long, 0), 'a string longer than the scratch buffer');
});

test('combineHash depends on order, as Envoy’s rotate-and-xor does', () => {
  const a = xxhash32('a');
  const b = xxhash32('b');
  assert.notEqual(combineHash(combineHash(0, a), b), combineHash(combineHash(0, b), a));
  assert.ok(combineHash(a, b) >= 0 && combineHash(a, b) <= 0xffffffff);
});
