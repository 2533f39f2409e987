// The per-Service resolution the xDS translation emits from: clusters named as Istio names
// them, rules in precedence order with their actions worked out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveServicePort } from './service-routes.ts';
import { findPort } from './ports.ts';
import { exampleSnapshot } from './testkit.ts';

test('examples/mesh backend:8080 — cluster, endpoints, policy and both rules in order', () => {
  const s = exampleSnapshot('mesh');
  const svc = s.services.get('shop/backend')!;
  const r = resolveServicePort(s, svc, findPort(svc, 8080)!, 'shop');
  assert.equal(r.host, 'backend.shop.svc.cluster.local');
  assert.equal(r.cluster, 'outbound|8080||backend.shop.svc.cluster.local');
  assert.deepEqual(r.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.2:9090', '127.0.0.3:9090']);
  assert.equal(r.policy.loadBalancer.type, 'PeakEwma');
  assert.equal(r.grpc, undefined);
  const rules = r.http!.map((x) => {
    assert.equal(x.action.type, 'forward');
    const a = x.action as Extract<typeof x.action, { type: 'forward' }>;
    return `${x.ruleName} ${a.backends.map((b) => `${b.cluster}=${b.weight}`).join(' ')} ${a.timeouts.requestMs}ms retry=${a.retry.attempts}`;
  });
  // The canary match has a header and so outranks the plain "/" prefix of the split rule.
  assert.deepEqual(rules, [
    'canary outbound|8080||backend-v2.shop.svc.cluster.local=1 10000ms retry=0',
    'split outbound|8080||backend-v1.shop.svc.cluster.local=90 outbound|8080||backend-v2.shop.svc.cluster.local=10 5000ms retry=2',
  ]);
});

test('a Service without routes resolves to its own cluster only', () => {
  const s = exampleSnapshot('mesh');
  const svc = s.services.get('shop/frontend')!;
  const r = resolveServicePort(s, svc, findPort(svc, 80)!, 'shop');
  assert.equal(r.http, undefined);
  assert.equal(r.cluster, 'outbound|80||frontend.shop.svc.cluster.local');
  assert.equal(r.policy.timeouts.request, '15s');
});
