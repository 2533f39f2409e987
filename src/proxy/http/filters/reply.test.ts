import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grpcStatusForHttp, isGrpcRequest, sendFilterReply } from './reply.ts';
import type { FilterHost, FilterReply } from './types.ts';

test('gRPC requests are application/grpc and its +suffix forms, not grpc-web', () => {
  assert.equal(isGrpcRequest(['content-type', 'application/grpc']), true);
  assert.equal(isGrpcRequest(['content-type', 'application/grpc+proto']), true);
  assert.equal(isGrpcRequest(['content-type', 'application/grpc;charset=utf-8']), true);
  assert.equal(isGrpcRequest(['content-type', 'application/grpc-web']), false);
  assert.equal(isGrpcRequest(['content-type', 'application/json']), false);
  assert.equal(isGrpcRequest([]), false);
});

test('HTTP statuses map to gRPC statuses as in Envoy', () => {
  assert.deepEqual([400, 401, 403, 404, 429, 502, 503, 504, 500, 418].map(grpcStatusForHttp), [13, 16, 7, 12, 14, 14, 14, 14, 2, 2]);
});

function recorder(): FilterHost & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    respondLocally: (...args: unknown[]) => { calls.push(args); },
    forward() {}, addFlag() {}, fail() {},
    onRequestData() {}, onRequestEnd() {}, onDownstreamAbort() {}, onRequestError() {}, onResponseWritable() {},
  } as unknown as FilterHost & { calls: unknown[][] };
}

const REPLY: FilterReply = {
  kind: 'reply', status: 503, grpcStatus: -1, forceGrpc: false, code: 'fault-injected', flag: 'FI', body: Buffer.from('fault filter abort'),
  addHeaders: (h) => { h.push('x-extra', '1'); },
};
const head = (headers: string[]) => ({ method: 'GET', path: '/', authority: 'a', scheme: 'http' as const, headers, contentLength: 0, upgrade: null, expectContinue: false });

test('a plain request gets the status, the body and the filter\'s headers', () => {
  const host = recorder();
  sendFilterReply(host, head([]), REPLY);
  const [status, body, headers, flag, code] = host.calls[0];
  assert.equal(status, 503);
  assert.equal(String(body), 'fault filter abort');
  assert.deepEqual(headers, ['x-weft-error', 'fault-injected', 'x-extra', '1', 'content-type', 'text/plain']);
  assert.deepEqual([flag, code], ['FI', 'fault-injected']);
});

test('a gRPC request gets a trailers-only answer: HTTP 200, grpc-status mapped or given, grpc-message', () => {
  const host = recorder();
  sendFilterReply(host, head(['content-type', 'application/grpc']), REPLY);
  sendFilterReply(host, head([]), { ...REPLY, status: 200, grpcStatus: 8, forceGrpc: true });
  const [s1, b1, h1] = host.calls[0] as [number, Buffer, string[]];
  assert.equal(s1, 200);
  assert.equal(b1.length, 0);
  assert.deepEqual(h1.slice(-6), ['content-type', 'application/grpc', 'grpc-status', '14', 'grpc-message', 'fault filter abort']);
  const [s2, , h2] = host.calls[1] as [number, Buffer, string[]];
  assert.equal(s2, 200);
  assert.equal(h2[h2.indexOf('grpc-status') + 1], '8');
});
