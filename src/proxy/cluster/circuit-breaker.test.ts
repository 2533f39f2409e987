// The circuit breaker's counting, and the HTTP/1.1 pool honouring it against a real upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, DEFAULT_LIMITS, type OverflowKind } from './circuit-breaker.ts';
import { H1Pool, DEFAULT_H1_POOL } from './h1-pool.ts';
import { H2Pool } from './h2-pool.ts';
import type { RequestHead, UpstreamFailure, UpstreamResponseHandler } from '../http/stream.ts';

function counted(): { counts: Record<OverflowKind, number>; counters: Record<OverflowKind, { inc(): void }> } {
  const counts = { connections: 0, pending: 0, requests: 0 };
  const counter = (k: OverflowKind) => ({ inc: () => { counts[k]++; } });
  return { counts, counters: { connections: counter('connections'), pending: counter('pending'), requests: counter('requests') } };
}

test('Envoy defaults: 1024 connections, pending requests and requests', () => {
  assert.deepEqual({ ...DEFAULT_LIMITS }, { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 });
});

test('max_requests admits up to the limit and counts each refusal', () => {
  const { counts, counters } = counted();
  const b = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 2 }, counters);
  assert.equal(b.admitRequest(), true);
  assert.equal(b.admitRequest(), true);
  assert.equal(b.admitRequest(), false);
  assert.equal(b.requests, 2);
  b.releaseRequest();
  assert.equal(b.admitRequest(), true);
  assert.equal(counts.requests, 1);
});

test('an empty pool may always connect, even at the cluster limit', () => {
  const b = new CircuitBreaker({ maxConnections: 0, maxPendingRequests: 0, maxRequests: 1 });
  assert.equal(b.mayConnect(true), true);
  assert.equal(b.mayConnect(false), false);
});

interface Outcome {
  status?: number;
  failure?: UpstreamFailure;
  at: number;
}

function get(pool: H1Pool, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const head: RequestHead = { method: 'GET', path, authority: 'test', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false };
    let status = 0;
    const handler: UpstreamResponseHandler = {
      onInterim() {},
      onHead(s) { status = s; },
      onData() {},
      onEnd() { resolve({ status, at: performance.now() }); },
      onError(failure) { resolve({ failure, at: performance.now() }); },
      onWritable() {},
    };
    pool.request(head, handler).end(null);
  });
}

test('H1 pool at max_connections queues up to max_pending_requests and overflows past it', async () => {
  const sockets = new Set<unknown>();
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    peak = Math.max(peak, ++inFlight);
    setTimeout(() => { inFlight--; res.end('ok'); }, 100);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const { counts, counters } = counted();
  const breaker = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 2, maxRequests: 100 }, counters);
  const pool = new H1Pool('127.0.0.1', port, DEFAULT_H1_POOL, breaker);
  try {
    const started = performance.now();
    const all = [get(pool, '/1'), get(pool, '/2'), get(pool, '/3'), get(pool, '/4')];
    assert.equal(breaker.connections, 1);
    assert.equal(breaker.pending, 2);
    const results = await Promise.all(all);
    assert.deepEqual(results.map((r) => r.status ?? r.failure), [200, 200, 200, 'overflow']);
    assert.ok(results[3].at - started < 20, `overflow answered in ${(results[3].at - started).toFixed(1)} ms`);
    assert.ok(results[2].at - started >= 290, 'the queued requests ran one after another on the one connection');
    assert.equal(sockets.size, 1);
    assert.equal(peak, 1);
    assert.equal(breaker.pending, 0);
    assert.deepEqual(counts, { connections: 3, pending: 1, requests: 0 });
  } finally {
    pool.close();
    server.closeAllConnections();
    server.close();
  }
});

test('a queued request that is aborted leaves the queue; a closed connection lets the next one connect', async () => {
  const server = http.createServer((req, res) => {
    // /close answers and closes, so the waiting request needs a new connection.
    setTimeout(() => res.writeHead(200, req.url === '/close' ? { connection: 'close' } : {}).end('ok'), 50);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const breaker = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 5, maxRequests: 100 });
  const pool = new H1Pool('127.0.0.1', port, DEFAULT_H1_POOL, breaker);
  try {
    const first = get(pool, '/close');
    const head: RequestHead = { method: 'GET', path: '/gone', authority: 'test', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false };
    const noop: UpstreamResponseHandler = { onInterim() {}, onHead() {}, onData() {}, onEnd() {}, onError() {}, onWritable() {} };
    const gone = pool.request(head, noop);
    const second = get(pool, '/2');
    assert.equal(breaker.pending, 2);
    gone.abort();
    assert.equal(breaker.pending, 1);
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    assert.equal(breaker.pending, 0);
  } finally {
    pool.close();
    server.closeAllConnections();
    server.close();
  }
});

test('H2 pool at max_connections multiplexes on its one session past the stream limit; the library queues the rest', async () => {
  let sessions = 0;
  let inFlight = 0;
  let peak = 0;
  const server = http2.createServer({ settings: { maxConcurrentStreams: 2 } });
  server.on('session', () => { sessions++; });
  server.on('stream', (stream) => {
    peak = Math.max(peak, ++inFlight);
    stream.resume();
    setTimeout(() => { inFlight--; stream.respond({ ':status': 200 }); stream.end('ok'); }, 50);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const breaker = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 0, maxRequests: 100 });
  const pool = new H2Pool('127.0.0.1', port, { connectTimeoutMs: 1000 }, breaker);
  const head: RequestHead = { method: 'GET', path: '/', authority: 'test', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false };
  const one = (): Promise<number | string> => new Promise((resolve) => {
    let status = 0;
    pool.request(head, {
      onInterim() {}, onHead(s) { status = s; }, onData() {}, onEnd() { resolve(status); }, onError(f) { resolve(f); }, onWritable() {},
    }).end(null);
  });
  try {
    // The first request opens the session; once its settings are known, six more at once.
    assert.equal(await one(), 200);
    const results = await Promise.all(Array.from({ length: 6 }, one));
    assert.deepEqual(results, [200, 200, 200, 200, 200, 200]);
    assert.equal(sessions, 1);
    assert.equal(breaker.connections, 1);
    assert.equal(peak, 2, 'the upstream saw no more than its advertised stream limit');
  } finally {
    pool.close();
    server.close();
  }
});
