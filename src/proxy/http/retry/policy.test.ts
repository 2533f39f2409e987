import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, Issues, RetryPolicy as RetryPolicyConfig, checkRetryPolicy, formatPath } from '../../../xds/envoy/index.ts';
import { RetryPolicy } from './policy.ts';
import type { UpstreamFailure } from '../stream.ts';

function issuesOf(input: object): string[] {
  const issues = new Issues();
  const config = decode(RetryPolicyConfig, input, [], issues) as RetryPolicyConfig;
  if (issues.size === 0) checkRetryPolicy(config, [], issues);
  return issues.list.map((i) => `${i.code} ${formatPath(i.path)}: ${i.message}`);
}

function policy(input: object, bufferLimit?: number): RetryPolicy {
  const issues = new Issues();
  const config = decode(RetryPolicyConfig, input, [], issues) as RetryPolicyConfig;
  checkRetryPolicy(config, [], issues);
  assert.deepEqual(issues.list, []);
  return new RetryPolicy(config, bufferLimit);
}

const FAILURES: UpstreamFailure[] = ['connect-failure', 'connect-timeout', 'refused-stream', 'reset-before-response', 'protocol-error', 'timeout', 'reset-during-response', 'overflow', 'no-healthy-upstream'];
const retried = (p: RetryPolicy) => FAILURES.filter((f) => p.forFailure(f) !== null);

test("Envoy's defaults: one retry, 25 ms base back-off, max 10 × base, no per-try timeout, 64 KiB buffer", () => {
  const p = policy({ retry_on: '5xx' });
  assert.equal(p.numRetries, 1);
  assert.equal(p.baseIntervalMs, 25);
  assert.equal(p.maxIntervalMs, 250);
  assert.equal(p.perTryTimeoutMs, 0);
  assert.equal(p.bufferLimitBytes, 65_536);
  assert.equal(p.previousHosts, false);
  assert.equal(p.hostSelectionMaxAttempts, 1);
  assert.equal(p.retryNonIdempotent, false);
  assert.equal(policy({ retry_back_off: { base_interval: '0.1s' } }).maxIntervalMs, 1000);
});

test('5xx retries every 5xx and every failure without a response; gateway-error only 502-504', () => {
  const p = policy({ retry_on: '5xx' });
  for (const s of [500, 501, 502, 503, 504, 599]) assert.equal(p.forResponse(s, []), '5xx', String(s));
  for (const s of [200, 404, 409, 429]) assert.equal(p.forResponse(s, []), null, String(s));
  assert.deepEqual(retried(p), ['connect-failure', 'connect-timeout', 'refused-stream', 'reset-before-response', 'protocol-error', 'timeout']);
  const g = policy({ retry_on: 'gateway-error' });
  assert.deepEqual([500, 501, 502, 503, 504].map((s) => g.forResponse(s, [])), [null, null, '5xx', '5xx', '5xx']);
  assert.deepEqual(retried(g), retried(p));
});

test('reset, connect-failure and refused-stream retry only their own failures, never a response', () => {
  assert.deepEqual(retried(policy({ retry_on: 'connect-failure' })), ['connect-failure', 'connect-timeout']);
  assert.deepEqual(retried(policy({ retry_on: 'refused-stream' })), ['refused-stream']);
  assert.deepEqual(retried(policy({ retry_on: 'reset' })), retried(policy({ retry_on: '5xx' })));
  for (const c of ['reset', 'connect-failure', 'refused-stream']) assert.equal(policy({ retry_on: c }).forResponse(503, []), null);
  assert.equal(policy({ retry_on: 'connect-failure' }).forFailure('connect-failure'), 'connect-failure');
});

test('retriable-status-codes, retriable-4xx (409), and the gRPC statuses from the response headers', () => {
  const p = policy({ retry_on: 'retriable-status-codes, retriable-4xx', retriable_status_codes: [418, 503] });
  assert.equal(p.forResponse(418, []), 'retriable-status-code');
  assert.equal(p.forResponse(503, []), '5xx');
  assert.equal(p.forResponse(409, []), 'retriable-status-code');
  assert.equal(p.forResponse(500, []), null);
  const g = policy({ retry_on: 'cancelled,deadline-exceeded,resource-exhausted,unavailable,internal' });
  const grpc = (code: string) => g.forResponse(200, ['content-type', 'application/grpc', 'grpc-status', code]);
  assert.deepEqual(['1', '4', '8', '13', '14', '0', '2', '5'].map(grpc), [
    'grpc-cancelled', 'grpc-deadline-exceeded', 'grpc-resource-exhausted', 'grpc-internal', 'grpc-unavailable', null, null, null,
  ]);
  assert.equal(policy({ retry_on: 'unavailable' }).forResponse(200, ['grpc-status', '1']), null, 'cancelled is not configured');
  assert.deepEqual(retried(g), [], 'gRPC conditions do not retry transport failures');
});

test('replay safety: idempotent methods, or bytes that never left, or the RetryNonIdempotent extension', () => {
  const p = policy({ retry_on: '5xx' });
  for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']) assert.equal(p.mayReplay(m, true, '5xx'), true, m);
  for (const m of ['POST', 'PATCH', 'CONNECT']) assert.equal(p.mayReplay(m, true, '5xx'), false, m);
  assert.equal(p.mayReplay('POST', false, 'connect-failure'), true, 'a POST that never reached the upstream');
  assert.equal(p.mayReplay('POST', true, 'grpc-unavailable'), true, 'a gRPC status the route names');
  assert.equal(p.mayReplay('POST', true, 'reset'), false, 'a gRPC call reset mid-way is not replayed');
  const unsafe = policy({
    retry_on: '5xx',
    retry_options_predicates: [{ name: 'weft.retry_non_idempotent', typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/weft.retry.v1.RetryNonIdempotent' } }],
  });
  assert.equal(unsafe.mayReplay('POST', true, 'reset'), true);
});

test('back-off is fully jittered under min(max, base × (2^n − 1))', () => {
  const p = policy({ retry_back_off: { base_interval: '0.010s', max_interval: '0.050s' } });
  assert.equal(p.backOffMs(1, 0), 0);
  assert.equal(p.backOffMs(1, 0.999999) < 10, true);
  assert.equal(p.backOffMs(2, 0.5), 15);
  assert.equal(p.backOffMs(3, 0.5), 25);
  assert.equal(p.backOffMs(4, 0.5), 25, 'capped at max_interval');
  assert.equal(p.backOffMs(200, 0.5), 25);
});

test('config errors say what and where', () => {
  assert.deepEqual(issuesOf({ retry_on: '5xx,bogus' }), [
    "WEFT_CONFIG_INVALID retry_on: unknown retry_on condition 'bogus' (supported: 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)",
  ]);
  assert.match(issuesOf({ retry_on: 'retriable-headers' })[0], /^WEFT_CONFIG_UNSUPPORTED retry_on: Weft does not support the retry_on condition 'retriable-headers'/);
  assert.match(issuesOf({ retry_back_off: { base_interval: '1s', max_interval: '0.5s' } })[0], /max_interval 0\.500s is shorter than base_interval 1s/);
  assert.match(issuesOf({ retry_back_off: {} })[0], /missing required field 'base_interval'/);
  assert.match(issuesOf({ retry_on: '5xx', retriable_status_codes: [503] })[0], /add it there/);
  assert.match(issuesOf({ retry_host_predicate: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }] })[0], /named 'envoy\.retry_host_predicates\.previous_hosts'/);
  assert.match(issuesOf({ retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.omit_canary_hosts.v3.OmitCanaryHostsPredicate' } }] })[0], /^WEFT_CONFIG_UNSUPPORTED/);
  assert.match(issuesOf({ per_try_idle_timeout: '1s' })[0], /^WEFT_CONFIG_UNSUPPORTED per_try_idle_timeout/);
  assert.match(issuesOf({ host_selection_retry_max_attempts: 0 })[0], /at least 1/);
});
