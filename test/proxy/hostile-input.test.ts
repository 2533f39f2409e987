// RELIABILITY.md A1–A3 through the real proxy: every smuggling vector is refused with the
// right status and a closed connection, and the upstream never sees a desynchronised request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, rawExchange, type EchoServer } from '../helpers/upstream.ts';
import { simple, staticCluster } from '../helpers/bootstrap.ts';
import { SMUGGLING_CORPUS } from '../../src/proxy/http/h1/smuggling-corpus.ts';

let echo: EchoServer;
let proxy: RunningProxy;
let port: number;

before(async () => {
  echo = await startEchoServer('echo');
  proxy = await startProxy(simple([{ match: { prefix: '/' }, route: { cluster: 'echo' } }], [staticCluster('echo', [echo.port])],
    // HTTP1, not AUTO: on an AUTO listener the HTTP/2 preface vector rightly starts HTTP/2.
    { request_headers_timeout: '1s', codec_type: 'HTTP1' }));
  port = proxy.ports.main;
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
});

test('A1: smuggling corpus — refused with the expected status, connection closed, upstream sees nothing of it', async () => {
  const failures: string[] = [];
  let refused = 0;
  for (const vector of SMUGGLING_CORPUS) {
    if (vector.expect === 200) continue;
    refused++;
    const before = echo.requests.length;
    const canary = 'GET /canary HTTP/1.1\r\nhost: t\r\n\r\n';
    const { data, closed } = await rawExchange(port, Buffer.concat([vector.bytes, Buffer.from(canary)]), 2000);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
    await new Promise((r) => setTimeout(r, 20));
    const reached = echo.requests.slice(before).map((r) => r.url);
    if (status !== vector.expect) failures.push(`${vector.name}: status ${status}, expected ${vector.expect}`);
    if (!closed) failures.push(`${vector.name}: connection left open`);
    // A head refused outright reaches nobody. A body refused mid-stream may follow a head that
    // was already forwarded, but no request hidden behind it may ever reach the upstream.
    const smuggled = reached.filter((url) => url === '/smuggled' || url === '/canary');
    if (vector.stage === 'body' ? smuggled.length > 0 : reached.length > 0) failures.push(`${vector.name}: upstream saw ${reached.join(', ')}`);
  }
  assert.ok(refused > 50, `replayed ${refused} refused vectors`);
  assert.deepEqual(failures, []);
});

test('A1: accepted vectors are forwarded as exactly one request, and the canary gets its own response', async () => {
  const failures: string[] = [];
  for (const vector of SMUGGLING_CORPUS) {
    if (vector.expect !== 200) continue;
    const before = echo.requests.length;
    const rawBefore = echo.raw().length;
    const canary = 'GET /canary HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n';
    const { data } = await rawExchange(port, Buffer.concat([vector.bytes, Buffer.from(canary)]), 2000);
    const reached = echo.requests.slice(before);
    const responses = (data.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;
    if (reached.length !== 2 || reached[1].url !== '/canary') failures.push(`${vector.name}: upstream saw ${reached.map((r) => r.url).join(', ')}`);
    else if (vector.body !== undefined && reached[0].body !== vector.body) failures.push(`${vector.name}: body ${JSON.stringify(reached[0].body)}`);
    if (responses !== 2) failures.push(`${vector.name}: ${responses} responses`);
    // A2: what was forwarded is canonical.
    const forwarded = echo.raw().slice(rawBefore);
    const problem = nonCanonical(forwarded);
    if (problem) failures.push(`${vector.name}: forwarded bytes are not canonical (${problem})`);
  }
  assert.deepEqual(failures, []);
});

test('A3: header limits and invalid fields', async () => {
  const cases: [string, string, number][] = [
    ['101 headers', 'GET / HTTP/1.1\r\nhost: t\r\n' + Array.from({ length: 100 }, (_, i) => `x-h${i}: v\r\n`).join('') + '\r\n', 431],
    ['64 KiB of headers', `GET / HTTP/1.1\r\nhost: t\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, 431],
    ['URI over 8 KiB', `GET /${'u'.repeat(8 * 1024 + 1)} HTTP/1.1\r\nhost: t\r\n\r\n`, 414],
    ['underscore in a name', 'GET / HTTP/1.1\r\nhost: t\r\nx_y: 1\r\n\r\n', 400],
    ['CR in a value', 'GET / HTTP/1.1\r\nhost: t\r\nx-a: 1\r2\r\n\r\n', 400],
    ['LF in a value', 'GET / HTTP/1.1\r\nhost: t\r\nx-a: 1\n2\r\n\r\n', 400],
    ['NUL in a value', 'GET / HTTP/1.1\r\nhost: t\r\nx-a: 1\u00002\r\n\r\n', 400],
    ['space before colon', 'GET / HTTP/1.1\r\nhost: t\r\nx-a : 1\r\n\r\n', 400],
  ];
  const before = echo.requests.length;
  for (const [name, bytes, expected] of cases) {
    const { data, closed } = await rawExchange(port, bytes, 2000);
    assert.match(data, new RegExp(`^HTTP/1\\.1 ${expected} `), `${name}: ${data.slice(0, 80)}`);
    assert.match(data, /x-weft-error: /, name);
    assert.ok(closed, `${name}: connection closed`);
  }
  assert.equal(echo.requests.length, before, 'the upstream received none of them');
});

test('A7: a head that trickles in is cut off at the request-headers timeout', async () => {
  const started = Date.now();
  const { data, closed } = await rawExchange(port, 'GET / HTTP/1.1\r\nhost: t\r\n', 4000);
  const elapsed = Date.now() - started;
  assert.ok(closed, 'closed');
  assert.ok(elapsed >= 900 && elapsed < 2500, `closed after ${elapsed} ms (timeout 1 s)`);
  assert.match(data, /^HTTP\/1\.1 408 /);
});

test('an idle keep-alive connection outlives the request-headers timeout (only a started head is timed)', async () => {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => { data += d.toString('latin1'); });
  socket.write('GET /first HTTP/1.1\r\nhost: t\r\n\r\n');
  await new Promise((r) => setTimeout(r, 1600)); // idle for longer than the 1 s headers timeout
  assert.ok(!socket.destroyed && socket.readyState === 'open', 'still open while idle');
  socket.write('GET /second HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n');
  await new Promise((r) => socket.on('close', r));
  assert.match(data, /"url":"\/first"/);
  assert.match(data, /"url":"\/second"/);
});

test('A7 on a reused connection: the timeout runs from the partial head, not from the previous request', async () => {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => { data += d.toString('latin1'); });
  socket.write('GET /first HTTP/1.1\r\nhost: t\r\n\r\n');
  await new Promise((r) => setTimeout(r, 1300)); // longer than the timeout: a stale start would cut at once
  assert.match(data, /"url":"\/first"/);
  const started = Date.now();
  socket.write('GET /second HTTP/1.1\r\nhost: t\r\n');
  const trickle = setInterval(() => socket.write('x-a: 1\r\n'), 200);
  await new Promise((r) => socket.on('close', r));
  clearInterval(trickle);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 2500, `closed after ${elapsed} ms (timeout 1 s)`);
  assert.match(data, /HTTP\/1\.1 408 /);
});

test('a valid request after all that still works (the proxy did not fall over)', async () => {
  const { data } = await rawExchange(port, 'GET /still-alive HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n', 2000);
  assert.match(data, /^HTTP\/1\.1 200 /);
});

/** RELIABILITY.md A2: CRLF only, no NUL, no obs-fold, at most one framing field per head. */
function nonCanonical(bytes: string): string | null {
  if (/[^\r]\n/.test(bytes) || /^\n/.test(bytes)) return 'bare LF';
  if (/\r[^\n]/.test(bytes)) return 'bare CR';
  if (bytes.includes('\0')) return 'NUL';
  for (const head of bytes.split('\r\n\r\n')) {
    if (!/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(head)) continue;
    if (/\r\n[ \t]/.test(head)) return 'obs-fold';
    const framing = (head.match(/\r\n(content-length|transfer-encoding):/gi) ?? []).length;
    if (framing > 1) return 'two framing fields';
  }
  return null;
}
