// Golden files (STYLE.md) of the translator's whole output for the examples: a sidecar of
// examples/mesh's frontend and a proxyless client of examples/grpc. A diff shows exactly what a
// change does to the xDS a proxy receives. UPDATE_GOLDEN=1 rewrites them after an intended change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exampleSnapshot } from '../model/testkit.ts';
import { classifyNode, translateNode } from './index.ts';

const GOLDEN = new URL('./testdata/', import.meta.url).pathname;

function golden(name: string, value: unknown): void {
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  const path = GOLDEN + name;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.ok(existsSync(path), `${name}: no golden file yet; run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 to accept)`);
}

test('examples/mesh: the frontend sidecar\'s resources', () => {
  const node = classifyNode({ 'weft.dev/workload': 'shop/frontend-1' });
  golden('mesh-frontend-sidecar.json', translateNode(exampleSnapshot('mesh'), node, new Map([['shop/backend-v1-1', { inboundPort: 15106, mtls: false }]])));
});

test('examples/mesh: the frontend sidecar\'s resources with mTLS (both sidecars hold identities; PERMISSIVE)', () => {
  const node = classifyNode({ 'weft.dev/workload': 'shop/frontend-1', 'weft.dev/identity': 'spiffe://cluster.local/ns/shop/sa/frontend' });
  golden('mesh-frontend-sidecar-mtls.json', translateNode(exampleSnapshot('mesh'), node, new Map([
    ['shop/frontend-1', { inboundPort: 15006, mtls: true }],
    ['shop/backend-v1-1', { inboundPort: 15106, mtls: true }],
  ])));
});

test('examples/grpc: a proxyless gRPC client\'s resources', () => {
  const node = classifyNode({ 'weft.dev/client': 'proxyless-grpc', 'weft.dev/namespace': 'shop' });
  golden('grpc-proxyless.json', translateNode(exampleSnapshot('grpc'), node, new Map()));
});
