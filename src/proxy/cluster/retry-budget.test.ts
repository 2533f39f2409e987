import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyMetrics } from '../observe/metrics.ts';
import { RetryBudget, retryLimitOf } from './retry-budget.ts';

test('the limit: retry_budget wins over max_retries; neither means the 20 % / 3 budget', () => {
  assert.deepEqual(retryLimitOf(undefined), { kind: 'budget', percent: 20, minConcurrency: 3 });
  assert.deepEqual(retryLimitOf({ thresholds: [{ max_retries: 5 }] }), { kind: 'fixed', maxRetries: 5 });
  assert.deepEqual(retryLimitOf({ thresholds: [{ max_retries: 5, retry_budget: { budget_percent: { value: 50 } } }] }), { kind: 'budget', percent: 50, minConcurrency: 3 });
  assert.deepEqual(retryLimitOf({ thresholds: [{ priority: 'HIGH', max_retries: 1 }, { retry_budget: { min_retry_concurrency: 0 } }] }), { kind: 'budget', percent: 20, minConcurrency: 0 });
});

test('a budget allows percent of active requests, never fewer than min_retry_concurrency; overflows are counted', () => {
  const endpoints = [{ activeRequests: 0 }, { activeRequests: 0 }];
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  const budget = new RetryBudget({ kind: 'budget', percent: 20, minConcurrency: 3 }, { endpoints });
  budget.bindMetrics(metrics, 'svc');
  assert.equal(budget.allowed(), 3);
  for (let i = 0; i < 3; i++) assert.equal(budget.tryAcquire('5xx'), true);
  assert.equal(budget.tryAcquire('reset'), false);
  endpoints[0].activeRequests = 30;
  endpoints[1].activeRequests = 20;
  assert.equal(budget.allowed(), 10);
  for (let i = 0; i < 7; i++) assert.equal(budget.tryAcquire('reset'), true);
  assert.equal(budget.tryAcquire('5xx'), false);
  budget.release();
  assert.equal(budget.tryAcquire('5xx'), true);
  const text = metrics.render();
  assert.match(text, /^weft_retries_total\{cluster="svc",reason="5xx"\} 4$/m);
  assert.match(text, /^weft_retries_total\{cluster="svc",reason="reset"\} 7$/m);
  assert.match(text, /^weft_retry_overflow_total\{cluster="svc"\} 2$/m);
});

test('max_retries is a fixed number of concurrent retries', () => {
  const budget = new RetryBudget({ kind: 'fixed', maxRetries: 1 }, { endpoints: [{ activeRequests: 1000 }] });
  assert.equal(budget.tryAcquire('5xx'), true);
  assert.equal(budget.tryAcquire('5xx'), false);
  budget.release();
  budget.release(); // an extra release never goes below zero
  assert.equal(budget.active, 0);
});
