import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripHopByHop, stampForwarding } from './hygiene.ts';

test('hop-by-hop fields and those named by Connection are removed; te: trailers is reported', () => {
  const h = ['connection', 'keep-alive, x-secret', 'keep-alive', '5', 'x-secret', 'a', 'te', 'trailers',
    'transfer-encoding', 'chunked', 'upgrade', 'h2c', 'content-length', '3', 'accept', '*/*'];
  const result = stripHopByHop(h, false);
  assert.deepEqual(h, ['accept', '*/*']);
  assert.equal(result.teTrailers, true);
});

test('content-length survives when asked to keep it', () => {
  const h = ['content-length', '3'];
  stripHopByHop(h, true);
  assert.deepEqual(h, ['content-length', '3']);
});

test('forwarding stamps: request id generated once, xff appended, proto kept when present', () => {
  const h = ['x-forwarded-for', '10.0.0.1', 'x-forwarded-proto', 'https'];
  const id = stampForwarding(h, { remoteAddress: '127.0.0.1', scheme: 'http', generateRequestId: true, skipXffAppend: false });
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(h.slice(0, 4), ['x-forwarded-for', '10.0.0.1, 127.0.0.1', 'x-forwarded-proto', 'https']);
  const kept = ['x-request-id', 'abc'];
  assert.equal(stampForwarding(kept, { remoteAddress: '::1', scheme: 'http', generateRequestId: true, skipXffAppend: true }), 'abc');
  assert.deepEqual(kept, ['x-request-id', 'abc', 'x-forwarded-proto', 'http']);
});

test('a field named by Connection is removed even when it comes first; plain keep-alive names nothing', () => {
  const h = ['x-secret', 'a', 'accept', '*/*', 'connection', 'X-Secret', 'te', 'trailers, deflate'];
  assert.equal(stripHopByHop(h, false).teTrailers, true);
  assert.deepEqual(h, ['accept', '*/*']);
  const kept = ['connection', 'keep-alive', 'keep-alive', 'timeout=5', 'content-length', '3', 'server', 'x'];
  assert.equal(stripHopByHop(kept, true).teTrailers, false);
  assert.deepEqual(kept, ['content-length', '3', 'server', 'x']);
});

test('every hop-by-hop field is removed, and only those (names of the same lengths survive)', () => {
  const hop = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te',
    'http2-settings', 'proxy-authenticate', 'proxy-authorization', 'trailer', 'host'];
  const h: string[] = [];
  for (const name of hop) h.push(name, 'x');
  const near = ['tx', 'hose', 'upgradx', 'trailex', 'connectiox', 'keep-alivx', 'http2-settingz', 'proxy-connectiox',
    'transfer-encodinx', 'proxy-authenticatx', 'proxy-authorizatiox', 'accept', 'x-request-id'];
  for (const name of near) h.push(name, 'y');
  stripHopByHop(h, false);
  assert.deepEqual(h, near.filter((n) => !hop.includes(n)).flatMap((n) => [n, 'y']));
});
