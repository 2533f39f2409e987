// /clusters output for circuit-breaker limits and outlier ejection, in Envoy's text and JSON shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clustersJson, clustersText } from './envoy-format.ts';
import type { ClusterStatus } from './target.ts';

const CLUSTER: ClusterStatus = {
  name: 'web',
  circuitBreakers: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, connections: 3, pendingRequests: 1, activeRequests: 4 },
  outlier: { successRateAverage: 92.5, successRateEjectionThreshold: -1 },
  endpoints: [
    {
      address: '10.0.0.1:80', healthy: true, weight: 1, activeRequests: 0, totalRequests: 9, failedRequests: 5,
      outlier: { ejected: true, reason: 'consecutive_5xx', ejections: 2, remainingMs: 1499.2, successRate: 10, localOriginSuccessRate: -1 },
    },
    {
      address: '10.0.0.2:80', healthy: false, weight: 1, activeRequests: 4, totalRequests: 9, failedRequests: 0,
      outlier: { ejected: false, reason: '', ejections: 0, remainingMs: 0, successRate: -1, localOriginSuccessRate: -1 },
    },
  ],
};

test('text: default_priority limits, use, success rates and failed_outlier_check', () => {
  const text = clustersText([CLUSTER]);
  for (const line of [
    'web::default_priority::max_connections::100',
    'web::default_priority::max_pending_requests::50',
    'web::default_priority::max_requests::200',
    'web::upstream_cx_active::3',
    'web::upstream_rq_pending_active::1',
    'web::upstream_rq_active::4',
    'web::outlier::success_rate_average::92.5',
    'web::outlier::success_rate_ejection_threshold::-1',
    'web::10.0.0.1:80::health_flags::/failed_outlier_check',
    'web::10.0.0.1:80::success_rate::10',
    'web::10.0.0.1:80::outlier_ejections::2',
    'web::10.0.0.1:80::outlier_ejection_reason::consecutive_5xx',
    'web::10.0.0.1:80::outlier_ejection_remaining_ms::1500',
    'web::10.0.0.2:80::health_flags::/failed_eds_health',
    'web::10.0.0.2:80::success_rate::-1',
  ]) assert.ok(text.split('\n').includes(line), `missing ${line} in\n${text}`);
  assert.doesNotMatch(text, /10\.0\.0\.2:80::outlier_ejection_reason/);
});

test('json: circuit_breakers.thresholds, failed_outlier_check, success_rate, weft_outlier', () => {
  const body = clustersJson([CLUSTER]) as { cluster_statuses: Record<string, any>[] };
  const c = body.cluster_statuses[0];
  assert.deepEqual(c.circuit_breakers, { thresholds: [{ priority: 'DEFAULT', max_connections: 100, max_pending_requests: 50, max_requests: 200 }] });
  assert.equal(c.success_rate_ejection_threshold, undefined, 'not computed: left out, as Envoy does');
  const [ejected, other] = c.host_statuses;
  assert.deepEqual(ejected.health_status, { failed_outlier_check: true, eds_health_status: 'HEALTHY' });
  assert.deepEqual(ejected.success_rate, { value: 10 });
  assert.deepEqual(ejected.weft_outlier, { ejected: true, reason: 'consecutive_5xx', ejections: 2, remaining_ms: 1500 });
  assert.deepEqual(other.health_status, { eds_health_status: 'UNHEALTHY' });
  assert.equal(other.success_rate, undefined);
});

test('retry budget: text and json show the limit in force now, the budget settings and its use', () => {
  const withBudget = { ...CLUSTER, retryBudget: { allowed: 12, active: 2, retries: 40, overflows: 1, budgetPercent: 20, minRetryConcurrency: 10 } };
  const lines = clustersText([withBudget]).split('\n');
  for (const line of [
    'web::default_priority::max_retries::12',
    'web::default_priority::retry_budget::budget_percent::20',
    'web::default_priority::retry_budget::min_retry_concurrency::10',
    'web::upstream_rq_retry_active::2',
    'web::upstream_rq_retry::40',
    'web::upstream_rq_retry_overflow::1',
  ]) assert.ok(lines.includes(line), `missing ${line}`);
  const c = (clustersJson([withBudget]) as { cluster_statuses: Record<string, any>[] }).cluster_statuses[0];
  assert.equal(c.circuit_breakers.thresholds[0].max_retries, 12);
  assert.deepEqual(c.circuit_breakers.thresholds[0].retry_budget, { budget_percent: { value: 20 }, min_retry_concurrency: 10 });
  assert.deepEqual(c.weft_retry_budget, { active: 2, retries: 40, overflows: 1 });
  // A fixed max_retries has no budget settings to show.
  const fixed = clustersText([{ ...CLUSTER, retryBudget: { allowed: 3, active: 0, retries: 0, overflows: 0 } }]);
  assert.match(fixed, /web::default_priority::max_retries::3\n/);
  assert.doesNotMatch(fixed, /retry_budget::/);
});
