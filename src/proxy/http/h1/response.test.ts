// Response parsing: framing by status and request method, interim responses, protocol switches, EOF bodies, 502 mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H1Parser, type ResponseHead } from './parser.ts';
import { bytes, errorOf, record } from './recorder.ts';

function heads(events: ReturnType<typeof record>['events']): ResponseHead[] {
  return events.flatMap((e) => (e[0] === 'head' ? [e[1] as ResponseHead] : []));
}

test('status line, fields and a Content-Length body', () => {
  const { events } = record('response', [bytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi')]);
  assert.deepEqual(events, [
    ['head', { status: 200, reason: 'OK', versionMinor: 1, headers: ['content-type', 'text/plain', 'content-length', '2'], framing: { kind: 'length', length: 2 }, keepAlive: true, upgrade: null }],
    ['data', 'hi'],
    ['complete'],
  ]);
});

test('status line without reason phrase, with or without the SP', () => {
  for (const line of ['HTTP/1.1 204 \r\n', 'HTTP/1.1 204\r\n']) {
    const [h] = heads(record('response', [bytes(`${line}\r\n`)]).events);
    assert.equal(h.status, 204);
    assert.equal(h.reason, '');
  }
});

test('no body for HEAD, 1xx, 204 and 304, whatever the framing fields say', () => {
  const cases: [string, string][] = [
    ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'],
    ['GET', 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n'],
    ['GET', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ];
  for (const [method, text] of cases) {
    const { events } = record('response', [bytes(text + 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')], { methods: [method, 'GET'] });
    assert.deepEqual(events.map((e) => e[0]), ['head', 'complete', 'head', 'complete'], text);
    assert.equal(heads(events)[0].framing.kind, 'none');
  }
});

test('interim 1xx responses precede the final one and do not consume the expected method', () => {
  const { events } = record('response', [bytes('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc')], { methods: ['HEAD'] });
  assert.deepEqual(events.map((e) => e[0]), ['head', 'complete', 'head', 'complete', 'head', 'complete']);
  assert.deepEqual(heads(events).map((h) => h.status), [100, 103, 200]);
  assert.equal(heads(events)[2].framing.kind, 'none', 'the final response answers HEAD');
});

test('no Content-Length and no Transfer-Encoding: close-delimited, not keep-alive, completed by finish()', () => {
  const { events } = record('response', [bytes('HTTP/1.1 200 OK\r\n\r\nsome'), bytes(' bytes')], { finish: true });
  assert.equal(heads(events)[0].framing.kind, 'close');
  assert.equal(heads(events)[0].keepAlive, false);
  assert.deepEqual(events.slice(1), [['data', 'some bytes'], ['complete']]);
});

test('chunked response with trailers', () => {
  const { events } = record('response', [bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n0\r\nGrpc-Status: 0\r\n\r\n')]);
  assert.deepEqual(events.slice(1), [['data', 'wiki'], ['trailers', ['grpc-status', '0']], ['complete']]);
});

test('101 Switching Protocols stops the parser; the bytes after it belong to the new protocol', () => {
  let rest = '';
  const p: H1Parser<ResponseHead> = H1Parser.responses({
    onHead: (h) => assert.equal(h.upgrade, 'websocket'),
    onData: () => assert.fail('no body'),
    onTrailers() {},
    onComplete: () => (rest = p.takeRemaining().toString('latin1')),
    onError: (e) => assert.fail(e),
  });
  p.expectResponseTo('GET');
  p.execute(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\r\n\x81\x00'));
  assert.equal(rest, '\x81\x00');
});

test('101 without Upgrade is refused (502)', () => {
  assert.deepEqual(errorOf(record('response', [bytes('HTTP/1.1 101 Switching Protocols\r\n\r\n')]).events), { status: 502, reason: 'upgrade-without-upgrade-header' });
});

test('2xx to CONNECT is a tunnel; a 407 to CONNECT is an ordinary response', () => {
  const ok = record('response', [bytes('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03')], { methods: ['CONNECT'] });
  assert.equal(heads(ok.events)[0].upgrade, 'connect');
  assert.equal(heads(ok.events)[0].framing.kind, 'none');
  assert.equal(ok.parser.paused, true);
  assert.equal(ok.parser.takeRemaining().toString('latin1'), '\x16\x03');
  const denied = record('response', [bytes('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 1\r\n\r\nx')], { methods: ['CONNECT'] });
  assert.deepEqual(denied.events.map((e) => e[0]), ['head', 'data', 'complete']);
});

test('keepAlive for responses: 1.1 unless close, 1.0 only with keep-alive', () => {
  const keep = (text: string) => heads(record('response', [bytes(text)]).events)[0].keepAlive;
  assert.equal(keep('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), true);
  assert.equal(keep('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), false);
  assert.equal(keep('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), false);
  assert.equal(keep('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n'), true);
});

test('every response violation is a 502 with the same reason codes as requests', () => {
  const cases: [string, string][] = [
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'both-content-length-and-transfer-encoding'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', 'duplicate-content-length'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'unsupported-transfer-encoding'],
    ['HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\n\r\n', 'obs-fold'],
    ['HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', 'bare-lf'],
    ['HTTP/1.1 200 OK\r\nX: \x00\r\n\r\n', 'nul-in-header'],
    ['HTTP/1.1 200 OK\r\nX_Y: 1\r\n\r\n', 'underscore-in-header-name'],
    ['HTTP/1.1 200 OK\r\nX : 1\r\n\r\n', 'space-before-colon'],
    ['HTTP/1.1 20 OK\r\n\r\n', 'invalid-status'],
    ['HTTP/1.1 099 OK\r\n\r\n', 'invalid-status'],
    ['HTTP/2 200 OK\r\n\r\n', 'invalid-version'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n', 'invalid-chunk-size'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab', 'incomplete-message'],
  ];
  for (const [text, reason] of cases) {
    assert.deepEqual(errorOf(record('response', [bytes(text)], { finish: true }).events), { status: 502, reason }, JSON.stringify(text));
  }
  const many = `HTTP/1.1 200 OK\r\n${'X: 1\r\n'.repeat(101)}\r\n`;
  assert.deepEqual(errorOf(record('response', [bytes(many)]).events), { status: 502, reason: 'too-many-headers' });
});

test('a response parser refuses expectResponseTo on a request parser (misuse is loud)', () => {
  const p = H1Parser.requests({ onHead() {}, onData() {}, onTrailers() {}, onComplete() {}, onError() {} });
  assert.throws(() => (p as unknown as H1Parser<ResponseHead>).expectResponseTo('GET'), /response parsers/);
});
