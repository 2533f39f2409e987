import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, HTTPFault, Issues, TYPE_URLS } from '../../../xds/envoy/index.ts';
import { FaultConfig, type ActiveFaults } from './fault.ts';
import type { DownstreamStream, FilterDelay, FilterHost, FilterReply, RequestHead } from './types.ts';

/** Fault and rate-limit filters read neither the stream nor the host. */
const NO_CONTEXT = [null as unknown as DownstreamStream, null as unknown as FilterHost] as const;

function config(body: object, active: ActiveFaults = { count: 0 }): FaultConfig {
  const issues = new Issues();
  const f = decode(HTTPFault, { '@type': TYPE_URLS.fault, ...body }, [], issues) as HTTPFault;
  assert.equal(issues.size, 0);
  return new FaultConfig(f, active);
}

const head = (headers: string[] = []): RequestHead => ({ method: 'GET', path: '/', authority: 'a', scheme: 'http', headers, contentLength: 0, upgrade: null, expectContinue: false });
const counter = () => { const c = { n: 0, inc() { c.n++; } }; return c; };
const ALL = { numerator: 100 };

test('fixed abort: HTTP status, or HTTP 200 with a gRPC status; the same prebuilt reply every time', () => {
  const http = config({ abort: { http_status: 503, percentage: ALL } });
  const a = http.abortFor(head())!;
  assert.deepEqual([a.status, a.grpcStatus, a.forceGrpc, a.code, a.flag], [503, -1, false, 'fault-injected', 'FI']);
  assert.equal(http.abortFor(head()), a);
  const grpc = config({ abort: { grpc_status: 14, percentage: ALL } }).abortFor(head())!;
  assert.deepEqual([grpc.status, grpc.grpcStatus, grpc.forceGrpc], [200, 14, true]);
});

test('an unset percentage is 0 %, as in Envoy; numerator ≥ denominator is always', () => {
  assert.equal(config({ abort: { http_status: 503 } }).abortFor(head()), null);
  assert.notEqual(config({ abort: { http_status: 503, percentage: { numerator: 2_000_000, denominator: 'MILLION' } } }).abortFor(head()), null);
  assert.equal(config({ delay: { fixed_delay: '1s' } }).delayFor(head()), 0);
  assert.equal(config({ delay: { fixed_delay: '1.5s', percentage: ALL } }).delayFor(head()), 1500);
});

test('a percentage draws: 25 % of 4000 tries lands near 1000', () => {
  const c = config({ abort: { http_status: 500, percentage: { numerator: 25 } } });
  let n = 0;
  for (let i = 0; i < 4000; i++) if (c.abortFor(head()) !== null) n++;
  // sd ≈ 27: the bounds are more than 7 sd away.
  assert.ok(n > 800 && n < 1200, `${n}`);
});

test('header_abort: x-envoy-fault-abort-request in [200, 600) wins, else x-envoy-fault-abort-grpc-request, else none', () => {
  const c = config({ abort: { header_abort: {}, percentage: ALL } });
  const status = (headers: string[]): [number, number] | null => {
    const r = c.abortFor(head(headers));
    return r === null ? null : [r.status, r.grpcStatus];
  };
  assert.deepEqual(status(['x-envoy-fault-abort-request', '429']), [429, -1]);
  assert.deepEqual(status(['x-envoy-fault-abort-request', ' +503 ']), [503, -1], 'absl::SimpleAtoi accepts spaces and +');
  assert.deepEqual(status(['x-envoy-fault-abort-request', '600', 'x-envoy-fault-abort-grpc-request', '5']), [200, 5]);
  assert.deepEqual(status(['x-envoy-fault-abort-grpc-request', '0']), [200, 0]);
  assert.equal(status(['x-envoy-fault-abort-request', '50x']), null);
  assert.equal(status(['x-envoy-fault-abort-request', '-1']), null);
  assert.equal(status([]), null);
  // Only the first value of a repeated header counts.
  assert.deepEqual(status(['x-envoy-fault-abort-request', '404', 'x-envoy-fault-abort-request', '500']), [404, -1]);
});

test('header percentages can only lower the configured percentage', () => {
  const half = config({ abort: { header_abort: {}, percentage: { numerator: 0 } } });
  assert.equal(half.abortFor(head(['x-envoy-fault-abort-request', '500', 'x-envoy-fault-abort-request-percentage', '100'])), null);
  const all = config({ abort: { header_abort: {}, percentage: ALL } });
  assert.equal(all.abortFor(head(['x-envoy-fault-abort-request', '500', 'x-envoy-fault-abort-request-percentage', '0'])), null);
  assert.notEqual(all.abortFor(head(['x-envoy-fault-abort-request', '500', 'x-envoy-fault-abort-request-percentage', 'junk'])), null);
});

test('header_delay reads x-envoy-fault-delay-request in ms; absent or invalid means no delay', () => {
  const c = config({ delay: { header_delay: {}, percentage: ALL } });
  assert.equal(c.delayFor(head(['x-envoy-fault-delay-request', '250'])), 250);
  assert.equal(c.delayFor(head(['x-envoy-fault-delay-request', 'soon'])), 0);
  assert.equal(c.delayFor(head()), 0);
  assert.equal(c.delayFor(head(['x-envoy-fault-delay-request', '250', 'x-envoy-fault-delay-request-percentage', '0'])), 0);
});

test('headers: the fault applies only to matching requests (route header matcher semantics)', () => {
  const c = config({ abort: { http_status: 503, percentage: ALL }, headers: [{ name: 'x-chaos', exact_match: 'on' }, { name: ':path', prefix_match: '/' }] });
  const counters = { aborts: counter(), delays: counter() };
  const f = c.bind(counters);
  assert.equal(f.onRequest(head(['x-chaos', 'off']), ...NO_CONTEXT), null);
  assert.equal((f.onRequest(head(['x-chaos', 'on']), ...NO_CONTEXT) as FilterReply).status, 503);
  assert.equal(counters.aborts.n, 1);
});

test('a delay holds an active fault until it ends or is cancelled; max_active_faults stops new faults', () => {
  const active = { count: 0 };
  const c = config({ delay: { fixed_delay: '0.1s', percentage: ALL }, abort: { http_status: 502, percentage: ALL }, max_active_faults: 1 }, active);
  const counters = { aborts: counter(), delays: counter() };
  const f = c.bind(counters);
  const held = f.onRequest(head(), ...NO_CONTEXT) as FilterDelay;
  assert.deepEqual([held.kind, held.ms, held.flag, active.count], ['delay', 100, 'DI', 1]);
  // At the limit: neither a delay nor an abort for the next request.
  assert.equal(f.onRequest(head(), ...NO_CONTEXT), null);
  // After the delay Envoy checks the abort: it happens, and the fault is over.
  assert.equal((held.resume(head()) as FilterReply).status, 502);
  assert.equal(active.count, 0);
  const again = f.onRequest(head(), ...NO_CONTEXT) as FilterDelay;
  again.cancel();
  again.cancel();
  assert.equal(active.count, 0, 'cancel releases once');
  assert.deepEqual([counters.delays.n, counters.aborts.n], [2, 1]);
});
