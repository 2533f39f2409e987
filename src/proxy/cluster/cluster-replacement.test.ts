// Clusters replaced by config updates: the outlier detector (and breaker) a compatible successor
// takes over follows whichever cluster was activated last, never an abandoned candidate or an
// older predecessor retired late; a retired DNS cluster stops resolving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot, type ConfigResources } from '../config/snapshot.ts';
import { ProxyMetrics } from '../observe/metrics.ts';
import type { Cluster as EnvoyCluster, Listener as EnvoyListener } from '../../xds/envoy/index.ts';
import type { Cluster } from './cluster.ts';

const endpoint = (port: number) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } });
const clusterA = (...ports: number[]): EnvoyCluster => ({
  name: 'a', type: 'STATIC', outlier_detection: { consecutive_5xx: 1, base_ejection_time: '1s', interval: '1s' },
  load_assignment: { cluster_name: 'a', endpoints: [{ lb_endpoints: ports.map(endpoint) }] },
}) as EnvoyCluster;
const resources = (clusters: EnvoyCluster[], listeners: ConfigResources['listeners'] = []): ConfigResources =>
  ({ listeners, clusters, routes: new Map(), endpoints: new Map(), secrets: [] });
/** The addresses the cluster's outlier detector watches now (what its interval tick walks). */
const followed = (c: Cluster): string[] => (c.outlier as unknown as { hosts(): { address: string }[] }).hosts().map((h) => h.address);
const addresses = (c: Cluster): string[] => c.endpoints.map((e) => e.address);

test('a snapshot that fails to build leaves the live cluster\'s detector on the live endpoints', () => {
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'ns' });
  const current = buildSnapshot(resources([clusterA(1001, 1002)]), metrics, { configDump: {} });
  const live = current.clusters.get('a')!;
  live.activate();
  const bad = { listener: { name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [] }] } as unknown as EnvoyListener, path: 'listener.l' };
  assert.throws(() => buildSnapshot(resources([clusterA(1001)], [bad]), metrics, { configDump: {}, previous: current }));
  assert.deepEqual(followed(live), addresses(live));
  // And an ejected endpoint of the live cluster is readmitted by the interval tick.
  const second = live.endpoints[1];
  second.outlier!.record(503);
  assert.equal(second.ejected, true);
  live.outlier!.tick(performance.now() + 3_600_000);
  assert.equal(second.ejected, false);
  live.close();
});

test('a predecessor retired after a later update does not pull the shared detector back to itself', () => {
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'ns' });
  const s0 = buildSnapshot(resources([clusterA(1)]), metrics, { configDump: {} });
  const c0 = s0.clusters.get('a')!;
  c0.activate();
  const s1 = buildSnapshot(resources([clusterA(1, 2)]), metrics, { configDump: {}, previous: s0 });
  const c1 = s1.clusters.get('a')!;
  c1.activate();
  const s2 = buildSnapshot(resources([clusterA(1, 2, 3)]), metrics, { configDump: {}, previous: s1 });
  const c2 = s2.clusters.get('a')!;
  c2.activate();
  assert.equal(c2.outlier, c0.outlier, 'compatible successors share one detector');
  // Proxy.apply's drain timers fire late: s0→s1 first (with next = s1), then s1→s2.
  c0.retire(c1);
  c1.retire(c2);
  assert.deepEqual(followed(c2), addresses(c2));
  c2.close();
});

test('a retired STRICT_DNS cluster arms no new resolution', async () => {
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'ns' });
  const dns = {
    name: 'd', type: 'STRICT_DNS', dns_refresh_rate: '0.01s', dns_lookup_family: 'V4_ONLY',
    load_assignment: { cluster_name: 'd', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'localhost', port_value: 1 } } } }] }] },
  } as EnvoyCluster;
  const snapshot = buildSnapshot(resources([dns]), metrics, { configDump: {} });
  const c = snapshot.clusters.get('d')!;
  const started = c.start(); // the first lookup is in flight
  c.retire(undefined);
  await started;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal((c as unknown as { dnsTimer: NodeJS.Timeout | null }).dnsTimer, null, 'no refresh armed after retire');
});
