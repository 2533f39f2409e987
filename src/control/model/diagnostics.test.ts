import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from './diagnostics.ts';
import { resources, exampleSnapshot } from './testkit.ts';
import { meshSnapshot } from './snapshot.ts';

const text = (d: { field: string; message: string }[]) => d.map((x) => `${x.field}: ${x.message}`);

test('the examples have nothing to warn about', () => {
  for (const dir of ['mesh', 'grpc'] as const) {
    const s = exampleSnapshot(dir);
    const all = [...s.services.values(), ...s.workloads, ...s.httpRoutes, ...s.grpcRoutes, ...s.trafficPolicies];
    for (const r of all) assert.deepEqual(diagnose(s, r), [], `${r.kind} ${r.metadata.name}`);
  }
});

test('routes, policies and services that point at nothing get warnings with field paths', () => {
  const rs = resources(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: w, namespace: shop, labels: {app: web}}
spec: {address: 10.0.0.1, ports: [{name: grpc, port: 9000}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: web, port: 81}, {group: "", kind: Service, name: ghost}]
  rules:
    - backendRefs: [{name: web, port: 80}, {name: nope, port: 80}, {name: web, namespace: other, port: 80}]
      filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}]
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: tp, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: web, sectionName: admin}, {group: "", kind: Service, name: gone}]
`);
  const s = meshSnapshot(rs);
  const byName = (n: string) => rs.find((r) => r.metadata.name === n)!;
  assert.deepEqual(text(diagnose(s, byName('r'))), [
    'spec.parentRefs[0]: Service shop/web has no port 81: the route applies to no port',
    'spec.parentRefs[1]: Service shop/ghost does not exist: the route takes effect once it does',
    'spec.rules[0].backendRefs[1]: BackendNotFound: Service shop/nope does not exist; requests routed to it get 500',
    'spec.rules[0].backendRefs[2]: RefNotPermitted: a backendRef to namespace "other" needs a ReferenceGrant, which Weft does not support yet; requests routed to it get 500',
    'spec.rules[0].filters[0].requestMirror.backendRef: BackendNotFound: Service shop/shadow does not exist; nothing is mirrored',
  ]);
  assert.deepEqual(text(diagnose(s, byName('tp'))), [
    'spec.targetRefs[0]: Service shop/web has no port named "admin"',
    'spec.targetRefs[1]: Service shop/gone does not exist: the policy takes effect once it does',
  ]);
  assert.deepEqual(text(diagnose(s, byName('web'))), [
    'spec.ports[0].targetPort: none of the 1 selected Workload(s) has a port named "http": this port has no endpoints',
  ]);
  assert.deepEqual(diagnose(s, byName('w')), []);
});
