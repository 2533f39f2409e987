import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, removeHeader, setHeader } from './headers.ts';

test('header list keeps order and duplicates; remove and set act on every occurrence', () => {
  const h = ['a', '1', 'b', '2', 'a', '3'];
  assert.equal(getHeader(h, 'a'), '1');
  assert.equal(removeHeader(h, 'a'), 2);
  assert.deepEqual(h, ['b', '2']);
  setHeader(h, 'b', '9');
  setHeader(h, 'c', 'x');
  assert.deepEqual(h, ['b', '9', 'c', 'x']);
  assert.equal(getHeader(h, 'missing'), undefined);
});
