// Serializer: exact wire format, default reason phrases, and refusal of anything that could inject framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CHUNK_SUFFIX, chunkPrefix, lastChunk, requestHead, responseHead, responseHeadSize, writeResponseHead } from './serialize.ts';

test('request head wire format', () => {
  assert.equal(requestHead('GET', '/a?b', ['host', 'x', 'x-a', '1']), 'GET /a?b HTTP/1.1\r\nhost: x\r\nx-a: 1\r\n\r\n');
  assert.equal(requestHead('OPTIONS', '*', []), 'OPTIONS * HTTP/1.1\r\n\r\n');
});

test('response head wire format and default reason phrases', () => {
  assert.equal(responseHead(200, undefined, ['content-length', '0']), 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  assert.equal(responseHead(404, undefined, []), 'HTTP/1.1 404 Not Found\r\n\r\n');
  assert.equal(responseHead(503, 'Busy', []), 'HTTP/1.1 503 Busy\r\n\r\n');
  assert.equal(responseHead(599, undefined, []), 'HTTP/1.1 599 \r\n\r\n');
});

test('values may hold HTAB and obs-text; extra fields follow the list', () => {
  assert.equal(responseHead(200, undefined, ['x', 'a\tb\xe9\xff']), 'HTTP/1.1 200 OK\r\nx: a\tb\xe9\xff\r\n\r\n');
  assert.equal(requestHead('GET', '/', ['a', '1'], ['host', 'h']), 'GET / HTTP/1.1\r\na: 1\r\nhost: h\r\n\r\n');
  assert.equal(requestHead('PATCH', '/', [], []), 'PATCH / HTTP/1.1\r\n\r\n');
});

test('chunk framing', () => {
  assert.equal(chunkPrefix(255), 'ff\r\n');
  assert.equal(CHUNK_SUFFIX, '\r\n');
  assert.equal(lastChunk(), '0\r\n\r\n');
  assert.equal(lastChunk([]), '0\r\n\r\n');
  assert.equal(lastChunk(['grpc-status', '0']), '0\r\ngrpc-status: 0\r\n\r\n');
  assert.throws(() => chunkPrefix(0), /chunk length/, 'a zero-length chunk would end the body');
  assert.throws(() => chunkPrefix(1.5), /chunk length/);
});

test('refuses names and values that would break framing (header injection)', () => {
  const bad: [string, () => unknown][] = [
    ['CRLF in value', () => requestHead('GET', '/', ['x', 'a\r\nhost: evil'])],
    ['LF in value', () => requestHead('GET', '/', ['x', 'a\nb'])],
    ['CR in value', () => responseHead(200, undefined, ['x', 'a\rb'])],
    ['NUL in value', () => responseHead(200, undefined, ['x', 'a\0b'])],
    ['non-latin1 value', () => responseHead(200, undefined, ['x', 'a\u0100'])],
    ['colon in name', () => requestHead('GET', '/', ['x:y', '1'])],
    ['space in name', () => requestHead('GET', '/', ['x y', '1'])],
    ['empty name', () => requestHead('GET', '/', ['', '1'])],
    ['CRLF in trailer', () => lastChunk(['x', '1\r\n\r\nGET / HTTP/1.1'])],
    ['space in target', () => requestHead('GET', '/a b', [])],
    ['CRLF in target', () => requestHead('GET', '/\r\nx', [])],
    ['empty target', () => requestHead('GET', '', [])],
    ['bad method', () => requestHead('G T', '/', [])],
    ['CRLF in reason', () => responseHead(200, 'OK\r\nx: y', [])],
    ['bad status', () => responseHead(1000, undefined, [])],
    ['LF ending a name', () => requestHead('GET', '/', ['x\n', '1'])],
    ['LF ending a method', () => requestHead('GET\n', '/', [])],
    ['LF ending a value', () => requestHead('GET', '/', ['x', '1\n'])],
    ['DEL in value', () => responseHead(200, undefined, ['x', 'a\x7fb'])],
    ['VT in value', () => responseHead(200, undefined, ['x', 'a\x0bb'])],
    ['CRLF in an extra field', () => requestHead('GET', '/', [], ['host', 'a\r\nx: y'])],
    ['non-latin1 name', () => requestHead('GET', '/', ['x\u0130', '1'])],
  ];
  for (const [name, fn] of bad) assert.throws(fn, /refusing to serialize/, name);
});

test('writeResponseHead writes exactly what responseHead builds, in the size responseHeadSize gives', () => {
  const field = fc.tuple(
    fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/),
    fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\xe9', '\xff', '"', '~'), maxLength: 30 }),
  );
  fc.assert(fc.property(fc.integer({ min: 100, max: 999 }), fc.array(field, { maxLength: 12 }), fc.integer({ min: 0, max: 7 }), (status, fields, at) => {
    const headers = fields.flat();
    const size = responseHeadSize(status, headers);
    const out = Buffer.alloc(at + size + 3, 0x2a);
    const end = writeResponseHead(out, at, status, headers);
    assert.equal(end, at + size);
    assert.equal(out.toString('latin1', at, end), responseHead(status, undefined, headers));
    assert.equal(out.toString('latin1', end), '***', 'nothing written past the head');
  }));
});

test('responseHeadSize refuses what responseHead refuses', () => {
  for (const headers of [['x', 'a\r\nb'], ['x', 'a\u0100'], ['x y', '1'], ['', '1'], ['x', 'a\0']]) {
    assert.throws(() => responseHeadSize(200, headers), /refusing to serialize/, JSON.stringify(headers));
  }
  assert.throws(() => responseHeadSize(1000, []), /refusing to serialize/);
  assert.throws(() => responseHeadSize(99.5, []), /refusing to serialize/);
});

test('a value or name that breaks framing is refused even right after a valid one at the same place', () => {
  for (let round = 0; round < 3; round++) {
    assert.equal(responseHeadSize(200, ['x', 'ok', 'y', 'ok']), 'HTTP/1.1 200 OK\r\n'.length + 'x: ok\r\ny: ok\r\n'.length + 2);
    assert.throws(() => responseHeadSize(200, ['x', 'ok', 'y', 'ok\r\nz: 1']), /refusing to serialize/);
    assert.throws(() => responseHeadSize(200, ['x', 'ok', 'y z', 'ok']), /refusing to serialize/);
    assert.equal(requestHead('GET', '/', ['a', '1'], ['host', 'h']), 'GET / HTTP/1.1\r\na: 1\r\nhost: h\r\n\r\n');
    assert.throws(() => requestHead('GET', '/', ['a', '1\n'], ['host', 'h']), /refusing to serialize/);
    assert.throws(() => requestHead('GET', '/', ['a', '1'], ['host', 'h\r']), /refusing to serialize/);
    assert.throws(() => requestHead('GET', '/', ['', '1']), /refusing to serialize/);
  }
});
