import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource, type Resource } from '../../api/index.ts';
import { checkProxiesAcked, checkSidecarIdentities, identitiesInUse, type ConnectedProxyStatus, type ProxiesStatus } from './proxy-checks.ts';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const proxy = (nodeId: string, types: ConnectedProxyStatus['types'], workload?: string): ConnectedProxyStatus => ({
  nodeId, kind: { kind: 'sidecar', namespace: 'shop', ...(workload ? { workload } : {}) }, types,
});
const acked = (typeUrl: string, v: string) => ({ typeUrl, sentVersion: v, ackedVersion: v, awaitingAck: false });

test('proxies: all ACKed passes; none connected passes', () => {
  const status: ProxiesStatus = { proxies: [proxy('a', [acked(CDS, '3'), acked(LDS, '3')]), proxy('b', [acked(CDS, '3')])], nacks: [] };
  assert.deepEqual([checkProxiesAcked(status).status, checkProxiesAcked(status).message], ['ok', '2 proxies connected, each ACKed its latest config']);
  assert.equal(checkProxiesAcked({ proxies: [], nacks: [] }).message, 'no proxies connected');
});

test('proxies: an outstanding NACK fails with the proxy, type, versions and message', () => {
  const status: ProxiesStatus = {
    proxies: [proxy('a', [{ typeUrl: LDS, sentVersion: '4', ackedVersion: '3', awaitingAck: false }])],
    nacks: [{ nodeId: 'a', typeUrl: LDS, rejectedVersion: '4', keptVersion: '3', message: 'listener x: port in use' }],
  };
  const r = checkProxiesAcked(status);
  assert.equal(r.status, 'failure');
  assert.equal(r.message, '1 NACK outstanding: 1 proxy runs an older config than the mesh\'s');
  assert.deepEqual(r.details, ['a: Listener version 4 refused (keeps 3): listener x: port in use']);
});

test('proxies: a push not answered yet is a warning', () => {
  const r = checkProxiesAcked({ proxies: [proxy('a', [{ typeUrl: CDS, sentVersion: '5', ackedVersion: '4', awaitingAck: true }])], nacks: [] });
  assert.equal(r.status, 'warning');
  assert.deepEqual(r.details, ['a: Cluster version 5 sent, not answered yet (ACKed: 4)']);
});

test('identitiesInUse: a connected sidecar\'s Workload gives its SPIFFE ID (service account default "default"); unknown Workloads and outbound-only sidecars give none', () => {
  const workload = (name: string, sa?: string): Resource => {
    const v = validateResource({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name, namespace: 'shop' }, spec: { address: '127.0.0.1', ...(sa ? { serviceAccount: sa } : {}) } });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    return v.resource;
  };
  const status: ProxiesStatus = { proxies: [proxy('a', [], 'shop/cart-1'), proxy('b', [], 'shop/web-1'), proxy('c', [], 'shop/gone'), proxy('d', [])], nacks: [] };
  assert.deepEqual([...identitiesInUse(status, [workload('cart-1', 'cart'), workload('web-1')], 'example.org')].sort(), [
    'spiffe://example.org/ns/shop/sa/cart', 'spiffe://example.org/ns/shop/sa/default',
  ]);
});

test('sidecars without an identity: a warning under PERMISSIVE, a failure under STRICT; proxyless clients and outbound-only nodes do not count', () => {
  const node = (nodeId: string, mtls: boolean, kind = 'sidecar', workload: string | undefined = `shop/${nodeId}`) => ({ nodeId, kind: { kind, namespace: 'shop', mtls, ...(workload ? { workload } : {}) }, types: [] });
  const all = { proxies: [node('a', true), node('b', true), node('g', false, 'proxyless-grpc', undefined), node('o', false, 'sidecar', '')], nacks: [] };
  assert.equal(checkSidecarIdentities(all, 'STRICT').status, 'ok');
  const mixed = { proxies: [...all.proxies, node('c', false)], nacks: [] };
  const warned = checkSidecarIdentities(mixed, 'PERMISSIVE');
  assert.equal(warned.status, 'warning');
  assert.deepEqual(warned.details, ['c (shop/c): no identity']);
  assert.equal(checkSidecarIdentities(mixed, 'STRICT').status, 'failure');
});
