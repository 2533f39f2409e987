import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './tls-inspector.ts';

test('a TLS ClientHello is told from plaintext by its first bytes, and plaintext at its first byte', () => {
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]);
  assert.equal(classify(hello), 'tls');
  for (let n = 0; n < 6; n++) assert.equal(classify(hello.subarray(0, n)), 'more', `${n} bytes`);
  assert.equal(classify(Buffer.from('G')), 'raw_buffer');
  assert.equal(classify(Buffer.from('PRI * HTTP/2.0\r\n')), 'raw_buffer');
  assert.equal(classify(Buffer.from([0x16, 0x02])), 'raw_buffer'); // not TLS's major version 3
  assert.equal(classify(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x10, 0x02])), 'raw_buffer'); // a ServerHello, not a ClientHello
});
