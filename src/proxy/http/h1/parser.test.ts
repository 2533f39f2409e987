// The parser as a stream machine: pipelining, splitting, pause/resume, upgrades, takeRemaining, idle, early limits, EOF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H1Parser, type RequestHead } from './parser.ts';
import { bytes, errorOf, record, splitAt } from './recorder.ts';

const GET = 'GET /a HTTP/1.1\r\nHost: a\r\n\r\n';
const POST = 'POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello';
const CHUNKED = 'PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-T: 1\r\n\r\n';

test('pipelined messages in one chunk and split at every byte give the same events', () => {
  const all = bytes(GET + POST + CHUNKED + GET);
  const whole = record('request', [all]).events;
  assert.deepEqual(whole.map((e) => e[0]), ['head', 'complete', 'head', 'data', 'complete', 'head', 'data', 'trailers', 'complete', 'head', 'complete']);
  for (let cut = 1; cut < all.length; cut++) assert.deepEqual(record('request', splitAt(all, [cut])).events, whole, `cut at ${cut}`);
  assert.deepEqual(record('request', [...all].map((b) => Buffer.from([b]))).events, whole);
});

test('Content-Length body bytes are handed out as subarrays of the input, not copies', () => {
  const input = bytes(POST);
  let got: Buffer | null = null;
  const p = H1Parser.requests({ onHead() {}, onData: (c) => (got = c), onTrailers() {}, onComplete() {}, onError: (e) => assert.fail(e) });
  p.execute(input);
  assert.ok(got !== null);
  const data: Buffer = got;
  assert.equal(data.buffer, input.buffer);
  assert.equal(data.toString(), 'hello');
});

test('pause() inside onHead stops before the body; resume() continues with the kept bytes', () => {
  const events: string[] = [];
  const p: H1Parser<RequestHead> = H1Parser.requests({
    onHead: (h) => {
      events.push(`head ${h.target}`);
      p.pause();
    },
    onData: (c) => events.push(`data ${c.toString()}`),
    onTrailers() {},
    onComplete: () => events.push('complete'),
    onError: (e) => events.push(`error ${e.reason}`),
  });
  p.execute(bytes(POST + GET));
  assert.deepEqual(events, ['head /b']);
  assert.equal(p.paused, true);
  assert.equal(p.idle, false);
  p.execute(bytes(GET)); // arrives while paused: kept, no events
  assert.deepEqual(events, ['head /b']);
  p.resume();
  assert.deepEqual(events, ['head /b', 'data hello', 'complete', 'head /a']);
  p.resume();
  p.resume();
  assert.deepEqual(events, ['head /b', 'data hello', 'complete', 'head /a', 'complete', 'head /a', 'complete']);
  assert.equal(p.idle, true);
});

test('an upgrade request pauses the parser after onComplete; takeRemaining() returns the tunnel bytes', () => {
  const events: string[] = [];
  const p: H1Parser<RequestHead> = H1Parser.requests({
    onHead: (h) => events.push(`head ${h.upgrade}`),
    onData() {},
    onTrailers() {},
    onComplete: () => events.push('complete'),
    onError: (e) => events.push(`error ${e.reason}`),
  });
  p.execute(bytes('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'));
  assert.deepEqual(events, ['head websocket', 'complete']);
  assert.equal(p.paused, true);
  assert.equal(p.idle, false, 'an upgraded connection is never idle');
  p.execute(bytes('more'));
  assert.equal(p.takeRemaining().toString('latin1'), '\x81\x05hellomore');
  assert.throws(() => p.execute(bytes('x')), /takeRemaining/);
});

test('a refused upgrade: resume() keeps parsing HTTP', () => {
  const { events } = record('request', [bytes(`GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n${GET}`)], { resumeUpgrades: true });
  assert.deepEqual(events.map((e) => e[0]), ['head', 'complete', 'head', 'complete']);
});

test('CONNECT stops after its head; takeRemaining() inside onHead returns what followed it', () => {
  let rest = '';
  const p: H1Parser<RequestHead> = H1Parser.requests({
    onHead: (h) => {
      assert.equal(h.upgrade, 'connect');
      assert.equal(h.target, 'example.com:443');
      rest = p.takeRemaining().toString('latin1');
    },
    onData: () => assert.fail('no data'),
    onTrailers() {},
    onComplete: () => assert.fail('stopped before onComplete'),
    onError: (e) => assert.fail(e),
  });
  p.execute(bytes('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01'));
  assert.equal(rest, '\x16\x03\x01');
});

test('idle: true only between messages with nothing buffered, also when checked inside onComplete', () => {
  const seen: boolean[] = [];
  const p: H1Parser<RequestHead> = H1Parser.requests({
    onHead() {},
    onData() {},
    onTrailers() {},
    onComplete: () => seen.push(p.idle),
    onError: (e) => assert.fail(e),
  });
  assert.equal(p.idle, true);
  p.execute(bytes(GET + GET));
  assert.deepEqual(seen, [false, true], 'the first onComplete has a pipelined request behind it');
  p.execute(bytes('GET / HT'));
  assert.equal(p.idle, false);
  p.execute(bytes('TP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(p.idle, true);
});

test('431 is detected before the end of the head arrives, without buffering past the limit', () => {
  const limits = { maxHeaderBytes: 1024 };
  const chunks = [bytes('GET / HTTP/1.1\r\nHost: a\r\nX-Big: '), ...Array.from({ length: 100 }, () => bytes('a'.repeat(100)))];
  const { events } = record('request', chunks, { limits });
  assert.deepEqual(errorOf(events), { status: 431, reason: 'headers-too-large' });
  // One chunk much larger than the limit, with no end of head in it.
  assert.deepEqual(errorOf(record('request', [bytes(`GET / HTTP/1.1\r\nX: ${'a'.repeat(5000)}`)], { limits }).events), { status: 431, reason: 'headers-too-large' });
});

test('414 is detected while the request line is still arriving', () => {
  const chunks = [bytes('GET /'), ...Array.from({ length: 20 }, () => bytes('u'.repeat(100)))];
  assert.deepEqual(errorOf(record('request', chunks, { limits: { maxUriBytes: 1000 } }).events), { status: 414, reason: 'uri-too-long' });
  assert.deepEqual(errorOf(record('request', [bytes(`GET /${'u'.repeat(1000)} HTTP/1.1\r\nHost: a\r\n\r\n`)], { limits: { maxUriBytes: 1000 } }).events), { status: 414, reason: 'uri-too-long' });
  assert.equal(errorOf(record('request', [bytes(`GET /${'u'.repeat(999)} HTTP/1.1\r\nHost: a\r\n\r\n`)], { limits: { maxUriBytes: 1000 } }).events), null);
});

test('maxHeaderCount: exactly the limit passes, one more is 431; trailers count too', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
  assert.equal(errorOf(record('request', [bytes(`GET / HTTP/1.1\r\nHost: a\r\n${fields(9)}\r\n`)], { limits: { maxHeaderCount: 10 } }).events), null);
  assert.deepEqual(errorOf(record('request', [bytes(`GET / HTTP/1.1\r\nHost: a\r\n${fields(10)}\r\n`)], { limits: { maxHeaderCount: 10 } }).events), { status: 431, reason: 'too-many-headers' });
  const chunkedWithTrailers = `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n${fields(5)}\r\n0\r\n${fields(4)}\r\n`;
  assert.deepEqual(errorOf(record('request', [bytes(chunkedWithTrailers)], { limits: { maxHeaderCount: 10 } }).events), { status: 431, reason: 'too-many-headers' });
});

test('head bytes limit is exact: a head of maxHeaderBytes passes, one byte more is 431', () => {
  const head = (n: number) => {
    const base = 'GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n';
    return `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(n - base.length)}\r\n\r\n`;
  };
  assert.equal(head(200).length, 200);
  for (const split of [false, true]) {
    const run = (n: number) => {
      const b = bytes(head(n));
      return record('request', split ? [...b].map((x) => Buffer.from([x])) : [b], { limits: { maxHeaderBytes: 200 } }).events;
    };
    assert.equal(errorOf(run(200)), null);
    assert.deepEqual(errorOf(run(201)), { status: 431, reason: 'headers-too-large' });
  }
});

test('finish(): clean between messages; incomplete-message mid-head or mid-body; nothing after an error', () => {
  assert.equal(errorOf(record('request', [bytes(GET)], { finish: true }).events), null);
  assert.deepEqual(errorOf(record('request', [bytes('GET / HTTP/1.1\r\nHo')], { finish: true }).events), { status: 400, reason: 'incomplete-message' });
  const midBody = record('request', [bytes(POST.slice(0, -2))], { finish: true }).events;
  assert.deepEqual(midBody.map((e) => e[0]), ['head', 'data', 'error']);
  const afterError = record('request', [bytes('BAD LINE\r\n\r\n'), bytes(GET)], { finish: true }).events;
  assert.equal(afterError.length, 1);
});

test('an exception thrown by a handler propagates to the caller, is not a parse error, and ends parsing', () => {
  let heads = 0;
  const p = H1Parser.requests({
    onHead: () => {
      heads++;
      throw new TypeError('handler bug');
    },
    onData() {},
    onTrailers() {},
    onComplete() {},
    onError: () => assert.fail('not a parse error'),
  });
  assert.throws(() => p.execute(bytes(GET + GET)), TypeError);
  p.execute(bytes(GET));
  assert.equal(heads, 1, 'no byte is read as a message after the handler failed');
});

test('a client that sends CRLF after its last body and closes has closed cleanly', () => {
  assert.equal(errorOf(record('request', [bytes(POST + '\r\n')], { finish: true }).events), null);
  assert.equal(errorOf(record('request', [bytes(POST + '\r')], { finish: true }).events), null);
});

test('default limits match the documented ones', async () => {
  const { DEFAULT_LIMITS } = await import('./parser.ts');
  assert.deepEqual(DEFAULT_LIMITS, { maxHeaderCount: 100, maxHeaderBytes: 60 * 1024, maxUriBytes: 8 * 1024 });
});
