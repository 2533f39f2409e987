// One case per request-side strictness rule (RELIABILITY.md A1–A3): the status and the stable reason code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, errorOf, record } from './recorder.ts';
import { H1Parser } from './parser.ts';

const H = 'Host: a\r\n';

/** [rule, message, status, reason] */
const REFUSED: readonly (readonly [string, string, number, string])[] = [
  ['CL and TE together', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'both-content-length-and-transfer-encoding'],
  ['TE before CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`, 400, 'both-content-length-and-transfer-encoding'],
  ['duplicate CL, equal values', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, 400, 'duplicate-content-length'],
  ['CL list', `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, 400, 'invalid-content-length'],
  ['CL with sign', `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`, 400, 'invalid-content-length'],
  ['CL negative', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400, 'invalid-content-length'],
  ['CL with inner space', `POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\n`, 400, 'invalid-content-length'],
  ['CL hex', `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, 400, 'invalid-content-length'],
  ['CL empty', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400, 'invalid-content-length'],
  ['CL above 2^53', `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740993\r\n\r\n`, 400, 'invalid-content-length'],
  ['two TE fields', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'duplicate-transfer-encoding'],
  ['TE gzip, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501, 'unsupported-transfer-encoding'],
  ['TE identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n`, 501, 'unsupported-transfer-encoding'],
  ['TE chunked with parameter', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n`, 501, 'unsupported-transfer-encoding'],
  ['TE chunked;x (no value)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;x\r\n\r\n`, 400, 'invalid-transfer-encoding'],
  ['TE xchunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`, 400, 'invalid-transfer-encoding'],
  ['TE chunked, (empty element)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked,\r\n\r\n`, 400, 'invalid-transfer-encoding'],
  ['TE with vertical tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: \x0bchunked\r\n\r\n`, 400, 'ctl-in-header'],
  ['TE "chunked" quoted', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: "chunked"\r\n\r\n`, 400, 'invalid-transfer-encoding'],
  ['TE in HTTP/1.0', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'transfer-encoding-in-http10'],
  ['obs-fold', `GET / HTTP/1.1\r\n${H}X-A: 1\r\n 2\r\n\r\n`, 400, 'obs-fold'],
  ['obs-fold with HTAB', `GET / HTTP/1.1\r\n${H}X-A: 1\r\n\t2\r\n\r\n`, 400, 'obs-fold'],
  ['obs-fold on the first field line', `GET / HTTP/1.1\r\n Host: a\r\n\r\n`, 400, 'obs-fold'],
  ['bare LF ending a field', `GET / HTTP/1.1\r\n${H}X-A: 1\n\r\n`, 400, 'bare-lf'],
  ['bare LF ending the request line', `GET / HTTP/1.1\n${H}\r\n`, 400, 'bare-lf'],
  ['head ended by LF LF', `GET / HTTP/1.1\nHost: a\n\n`, 400, 'bare-lf'],
  ['bare CR in a value', `GET / HTTP/1.1\r\n${H}X-A: 1\r2\r\n\r\n`, 400, 'bare-cr'],
  ['bare CR after the version', `GET / HTTP/1.1\rHost: a\r\n\r\n`, 400, 'bare-cr'],
  ['NUL in a value', `GET / HTTP/1.1\r\n${H}X-A: 1\x002\r\n\r\n`, 400, 'nul-in-header'],
  ['CTL (ESC) in a value', `GET / HTTP/1.1\r\n${H}X-A: 1\x1b2\r\n\r\n`, 400, 'ctl-in-header'],
  ['DEL in a value', `GET / HTTP/1.1\r\n${H}X-A: 1\x7f\r\n\r\n`, 400, 'ctl-in-header'],
  ['non-token name', `GET / HTTP/1.1\r\n${H}X(A): 1\r\n\r\n`, 400, 'invalid-header-name'],
  ['underscore in name', `GET / HTTP/1.1\r\n${H}X_Forwarded_For: 1\r\n\r\n`, 400, 'underscore-in-header-name'],
  ['space before colon', `GET / HTTP/1.1\r\n${H}X-A : 1\r\n\r\n`, 400, 'space-before-colon'],
  ['tab before colon', `GET / HTTP/1.1\r\n${H}X-A\t: 1\r\n\r\n`, 400, 'space-before-colon'],
  ['empty name', `GET / HTTP/1.1\r\n${H}: 1\r\n\r\n`, 400, 'empty-header-name'],
  ['line without colon', `GET / HTTP/1.1\r\n${H}X-A\r\n\r\n`, 400, 'missing-colon'],
  ['double space in request line', `GET  / HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['non-token method', `G(T / HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-method'],
  ['empty method', ` / HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-method'],
  ['space in target', `GET /a b HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-version'],
  ['non-ASCII in target', `GET /\xe9 HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['CTL in target', `GET /\x01 HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['fragment in target', `GET /a#b HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['asterisk target for GET', `GET * HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-asterisk-target'],
  ['relative target', `GET a/b HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['CONNECT with origin-form', `CONNECT / HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-connect-target'],
  ['CONNECT without port', `CONNECT a.example HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-connect-target'],
  ['authority-form for GET', `GET a.example:443 HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-target'],
  ['CONNECT with a body', `CONNECT a.example:443 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`, 400, 'connect-with-body'],
  ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 505, 'http-version-not-supported'],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, 505, 'http-version-not-supported'],
  ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400, 'invalid-version'],
  ['version garbage', `GET / HTTP/1.1x\r\n${H}\r\n`, 400, 'invalid-version'],
  ['HTTP/0.9 request line', `GET /\r\n\r\n`, 400, 'invalid-target'],
  ['HTTP/1.1 without Host', `GET / HTTP/1.1\r\n\r\n`, 400, 'missing-host'],
  ['two Host fields', `GET / HTTP/1.1\r\n${H}Host: b\r\n\r\n`, 400, 'duplicate-host'],
  ['Host with a path', `GET / HTTP/1.1\r\nHost: a/b\r\n\r\n`, 400, 'invalid-host'],
  ['Host with userinfo', `GET / HTTP/1.1\r\nHost: u@a\r\n\r\n`, 400, 'invalid-host'],
  ['two CRLFs before the request line', `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, 400, 'empty-line-before-request'],
  ['Expect other than 100-continue', `POST / HTTP/1.1\r\n${H}Expect: 200-ok\r\nContent-Length: 0\r\n\r\n`, 417, 'unsupported-expectation'],
  ['Connection with a non-token', `GET / HTTP/1.1\r\n${H}Connection: close, "x"\r\n\r\n`, 400, 'invalid-connection'],
];

for (const [rule, text, status, reason] of REFUSED) {
  test(`refuses: ${rule} → ${status} ${reason}`, () => {
    const whole = record('request', [bytes(text)], { finish: true });
    assert.deepEqual(errorOf(whole.events), { status, reason });
    assert.ok(!whole.events.some((e) => e[0] === 'head'), 'no head may be delivered for a refused message');
    // Byte by byte exercises the partial-head path; early checks may name another fault of the same message.
    const trickled = record('request', [...bytes(text)].map((b) => Buffer.from([b])), { finish: true });
    assert.equal(errorOf(trickled.events)?.status, status);
  });
}

test('Expect: 100-continue is reported, and ignored for HTTP/1.0', () => {
  const [e11] = record('request', [bytes(`POST / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 0\r\n\r\n`)]).events;
  assert.equal(e11[0] === 'head' && 'method' in e11[1] && e11[1].expectContinue, true);
  const [e10] = record('request', [bytes(`POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n`)]).events;
  assert.equal(e10[0] === 'head' && 'method' in e10[1] && e10[1].expectContinue, false);
});

test('accepted forms: OWS around values, TE case and OWS, one leading CRLF, asterisk for OPTIONS, CONNECT, absolute-form', () => {
  const ok = [
    `GET / HTTP/1.1\r\nHost:a\r\nX-A: \t v \t \r\n\r\n`,
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding:  ChunKed\t\r\n\r\n0\r\n\r\n`,
    `\r\nGET / HTTP/1.1\r\n${H}\r\n`,
    `OPTIONS * HTTP/1.1\r\n${H}\r\n`,
    `CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n`,
    `GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n`,
    `GET / HTTP/1.0\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost:\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: [::1]:8080\r\nX-Obs: caf\xe9\r\n\r\n`,
  ];
  for (const text of ok) {
    const { events } = record('request', [bytes(text)]);
    assert.equal(errorOf(events), null, JSON.stringify(text));
    assert.deepEqual(events[events.length - 1], ['complete'], JSON.stringify(text));
  }
});

test('head fields: names lower-cased, values OWS-trimmed, order and duplicates kept, target verbatim', () => {
  const { events } = record('request', [bytes(`GET /a/../b?c=%20 HTTP/1.1\r\nHOST: x.example\r\nX-Dup: 1\r\nx-dup:  2 \r\nX-Obs: caf\xe9\r\n\r\n`)]);
  assert.deepEqual(events, [
    ['head', {
      method: 'GET', target: '/a/../b?c=%20', versionMinor: 1,
      headers: ['host', 'x.example', 'x-dup', '1', 'x-dup', '2', 'x-obs', 'caf\xe9'],
      host: 'x.example', framing: { kind: 'none' }, keepAlive: true, upgrade: null, expectContinue: false,
    }],
    ['complete'],
  ]);
});

test('keepAlive: HTTP/1.1 unless close; HTTP/1.0 only with keep-alive; Connection is a case-insensitive list', () => {
  const keep = (text: string): boolean => {
    const e = record('request', [bytes(text)]).events[0];
    assert.equal(e[0], 'head');
    return (e[1] as { keepAlive: boolean }).keepAlive;
  };
  assert.equal(keep(`GET / HTTP/1.1\r\n${H}\r\n`), true);
  assert.equal(keep(`GET / HTTP/1.1\r\n${H}Connection: Close\r\n\r\n`), false);
  assert.equal(keep(`GET / HTTP/1.1\r\n${H}Connection: te, close\r\n\r\n`), false);
  assert.equal(keep(`GET / HTTP/1.0\r\n\r\n`), false);
  assert.equal(keep(`GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n`), true);
  assert.equal(keep(`GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n`), false);
});

test('upgrade: lower-cased Upgrade value only when Connection lists upgrade; connect for CONNECT; none for HTTP/1.0', () => {
  const up = (text: string): string | null => {
    const e = record('request', [bytes(text)]).events[0];
    assert.equal(e[0], 'head');
    return (e[1] as { upgrade: string | null }).upgrade;
  };
  assert.equal(up(`GET / HTTP/1.1\r\n${H}Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n`), 'websocket');
  assert.equal(up(`GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\n\r\n`), null);
  assert.equal(up(`GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`), null);
  assert.equal(up(`CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n`), 'connect');
});

test('methods are case-sensitive tokens: common ones come out as shared constants, others exactly as sent', () => {
  for (const method of ['GET', 'PUT', 'POST', 'HEAD', 'GEt', 'get', 'PUTS', 'POS', 'HEAP', 'DELETE', 'M-SEARCH', 'G']) {
    const heads: string[] = [];
    const p = H1Parser.requests({ onHead: (h) => heads.push(h.method), onData() {}, onTrailers() {}, onComplete() {}, onError: (e) => assert.fail(e.message) });
    p.execute(bytes(`${method} / HTTP/1.1\r\nHost: a\r\n\r\n`));
    assert.deepEqual(heads, [method]);
  }
});
