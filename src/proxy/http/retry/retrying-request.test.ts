import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster } from '../../cluster/cluster.ts';
import type { Endpoint } from '../../cluster/endpoint.ts';
import type { RetryLimit } from '../../cluster/retry-budget.ts';
import { decode, Issues, RetryPolicy as RetryPolicyConfig } from '../../../xds/envoy/index.ts';
import type { HeaderList } from '../headers.ts';
import type { RequestHead, UpstreamFailure } from '../stream.ts';
import { RetryPolicy } from './policy.ts';
import { RetryingRequest, type RetryClient } from './retrying-request.ts';
import { DEFAULT_LIMITS } from '../../cluster/circuit-breaker.ts';

// A real upstream answering the statuses queued for it (200 once the queue is empty).
const queue: number[] = [];
let seen = 0;
let server: http.Server;
let port: number;

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen++;
      res.writeHead(queue.shift() ?? 200).end('x');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function cluster(limit: RetryLimit = { kind: 'budget', percent: 20, minConcurrency: 3 }): Cluster {
  return new Cluster({
    name: 'c', discovery: 'static', protocol: 'http1', connectTimeoutMs: 1000, dnsRefreshMs: 5000, dnsFamily: 0, retryLimit: limit,
    limits: DEFAULT_LIMITS, outlier: null, lb: { kind: 'round_robin' }, tls: null, matchedTransports: [],
    endpoints: [{ host: '127.0.0.1', port, weight: 1, healthy: true }],
  });
}

function policy(input: object): RetryPolicy {
  const issues = new Issues();
  const config = decode(RetryPolicyConfig, { retry_back_off: { base_interval: '0.001s' }, ...input }, [], issues) as RetryPolicyConfig;
  assert.deepEqual(issues.list, []);
  return new RetryPolicy(config, undefined);
}

const head = (method = 'GET'): RequestHead => ({
  method, path: '/', authority: 'x', scheme: 'http', headers: [], contentLength: 0, upgrade: null, expectContinue: false,
});

/** Records what the exchange would be told, and resolves once the outcome is final. */
class Recorder implements RetryClient {
  readonly events: string[] = [];
  done: Promise<void>;
  private resolve!: () => void;
  constructor() {
    this.done = new Promise((r) => { this.resolve = r; });
  }
  onTryEnd(): void { this.events.push('try-end'); }
  onTryStart(endpoint: Endpoint): boolean { this.events.push(`try-start ${endpoint.port === port}`); return true; }
  onInterim(): void {}
  onHead(status: number, _h: HeaderList, _end: boolean): void { this.events.push(`head ${status}`); }
  onData(): void {}
  onEnd(): void { this.events.push('end'); this.resolve(); }
  onError(failure: UpstreamFailure): void { this.events.push(`error ${failure}`); this.resolve(); }
  onWritable(): void {}
}

function run(c: Cluster, p: RetryPolicy, method = 'GET'): { request: RetryingRequest; client: Recorder } {
  const client = new Recorder();
  const request = new RetryingRequest(p, c, c.pick()!, head(method), client);
  request.end(null);
  return { request, client };
}

test('a 503 then a 200: one retry, the client sees only the 200, the budget is given back', async () => {
  queue.push(503);
  const c = cluster();
  const { request, client } = run(c, policy({ retry_on: '5xx' }));
  await client.done;
  assert.deepEqual(client.events, ['try-end', 'try-start true', 'head 200', 'end']);
  assert.equal(request.attempts, 2);
  assert.equal(request.flag, '');
  assert.equal(c.retryBudget.active, 0);
  assert.equal(c.retryBudget.retries, 1);
  c.close();
});

test('retries used up: the last 503 is passed on, flag URX, nothing held', async () => {
  queue.push(503, 503, 503);
  const c = cluster();
  const { request, client } = run(c, policy({ retry_on: '5xx', num_retries: 2 }));
  await client.done;
  assert.deepEqual(client.events.slice(-2), ['head 503', 'end']);
  assert.equal(request.attempts, 3);
  assert.equal(request.flag, 'URX');
  assert.equal(c.retryBudget.active, 0);
  c.close();
});

test('a spent budget refuses the retry: flag UO, an overflow counted, one attempt', async () => {
  queue.push(503);
  const c = cluster({ kind: 'fixed', maxRetries: 0 });
  const { request, client } = run(c, policy({ retry_on: '5xx' }));
  await client.done;
  assert.deepEqual(client.events, ['head 503', 'end']);
  assert.equal(request.flag, 'UO');
  assert.equal(c.retryBudget.overflows, 1);
  c.close();
});

test('a POST that reached the upstream is not retried; nor is a response the conditions do not name', async () => {
  const c = cluster();
  queue.push(503);
  const post = run(c, policy({ retry_on: '5xx' }), 'POST');
  await post.client.done;
  assert.deepEqual(post.client.events, ['head 503', 'end']);
  queue.push(503);
  const reset = run(c, policy({ retry_on: 'reset' }));
  await reset.client.done;
  assert.deepEqual(reset.client.events, ['head 503', 'end']);
  c.close();
});

test('abort while a retry waits out its back-off: the retry never starts and the budget is given back', async () => {
  queue.push(503);
  const before = seen;
  const c = cluster();
  const client = new Recorder();
  const request = new RetryingRequest(policy({ retry_on: '5xx', retry_back_off: { base_interval: '0.2s' } }), c, c.pick()!, head(), client);
  request.end(null);
  while (c.retryBudget.active === 0) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(client.events, ['try-end']);
  request.abort();
  assert.equal(c.retryBudget.active, 0);
  await new Promise((r) => setTimeout(r, 450));
  assert.deepEqual(client.events, ['try-end']);
  assert.equal(seen - before, 1, 'no second attempt went out');
  c.close();
});
