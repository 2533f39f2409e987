// DynamicConfig on its own: what it subscribes to, what it refuses (and why), and what it hands
// to the proxy. The proxy side is a recorder here; test/xds/ads.test.ts runs the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { Bootstrap, decode, Issues, TYPE_URLS } from '../../xds/envoy/index.ts';
import { packResource } from '../../xds/proto/index.ts';
import { buildSnapshot, staticResources } from '../config/snapshot.ts';
import { ProxyMetrics } from '../observe/metrics.ts';
import type { ProxySnapshot } from '../proxy.ts';
import { DynamicConfig } from './dynamic-config.ts';

const BOOTSTRAP = `
node: { id: n }
dynamic_resources:
  ads_config: { api_type: GRPC, grpc_services: [{ envoy_grpc: { cluster_name: xds } }] }
  cds_config: { ads: {} }
  lds_config: { ads: {} }
static_resources:
  clusters:
    - name: xds
      load_assignment: { cluster_name: xds, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }] }
`;

function setup() {
  const bootstrap = decode(Bootstrap, parse(BOOTSTRAP), [], new Issues()) as Bootstrap;
  const metrics = new ProxyMetrics({ workload: 'w', namespace: 'ns' });
  let current: ProxySnapshot = buildSnapshot(staticResources(bootstrap), metrics, { configDump: {} });
  const applied: ProxySnapshot[] = [];
  const subscriptions: [string, readonly string[]][] = [];
  const logs: string[] = [];
  const dc = new DynamicConfig({
    bootstrap, metrics,
    apply: async (s) => { applied.push(s); current = s; },
    current: () => current,
    subscribe: (t, n) => subscriptions.push([t, n]),
    log: (l) => logs.push(l),
  });
  return { dc, applied, subscriptions, logs, metrics };
}

const eds = (name: string, serviceName?: string) => ({ name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, ...(serviceName ? { service_name: serviceName } : {}) } });
const hcmListener = (name: string, rds: string) => ({
  name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
    '@type': TYPE_URLS.httpConnectionManager, stat_prefix: name, rds: { route_config_name: rds, config_source: { ads: {} } },
    http_filters: [{ name: 'router', typed_config: { '@type': TYPE_URLS.router } }],
  } }] }],
});
const pack = (t: string, ...rs: Record<string, unknown>[]) => rs.map((r) => packResource(t, r));

test('subscriptions follow the resources: LDS / CDS wildcard, EDS by service_name, RDS by the names listeners use', async () => {
  const { dc, subscriptions } = setup();
  dc.initialSubscriptions();
  assert.deepEqual(subscriptions, [[TYPE_URLS.cluster, []], [TYPE_URLS.listener, []]]);
  assert.equal(dc.initialFetchDone([TYPE_URLS.cluster, TYPE_URLS.listener]), false);
  assert.equal(await dc.onResponse(TYPE_URLS.cluster, '1', pack(TYPE_URLS.cluster, eds('a'), eds('b', 'b-assignments'))), null);
  assert.deepEqual(subscriptions.at(-1), [TYPE_URLS.clusterLoadAssignment, ['a', 'b-assignments']]);
  assert.equal(await dc.onResponse(TYPE_URLS.listener, '1', pack(TYPE_URLS.listener, hcmListener('l1', 'r1'), hcmListener('l2', 'r2'))), null);
  assert.deepEqual(subscriptions.at(-1), [TYPE_URLS.routeConfiguration, ['r1', 'r2']]);
  assert.equal(dc.initialFetchDone([TYPE_URLS.cluster, TYPE_URLS.listener, TYPE_URLS.clusterLoadAssignment]), false);
  // The listeners go: RDS shrinks to nothing (it is not a wildcard type).
  assert.equal(await dc.onResponse(TYPE_URLS.listener, '2', []), null);
  assert.deepEqual(subscriptions.at(-1), [TYPE_URLS.routeConfiguration, []]);
});

test('refusals name the resource and field; nothing is applied; the last good version stays; metrics count both verdicts', async () => {
  const { dc, applied, logs, metrics } = setup();
  assert.equal(await dc.onResponse(TYPE_URLS.cluster, '1', pack(TYPE_URLS.cluster, eds('a'))), null);
  assert.equal(applied.length, 1);
  const bad = await dc.onResponse(TYPE_URLS.cluster, '2', pack(TYPE_URLS.cluster, eds('a'), { name: 'b', type: 'EDS' }));
  assert.match(bad!, /^cluster\.b\.eds_cluster_config: an EDS cluster needs eds_cluster_config/);
  const clash = await dc.onResponse(TYPE_URLS.cluster, '3', pack(TYPE_URLS.cluster, eds('xds')));
  assert.match(clash!, /'xds' is defined in static_resources/);
  const wrongType = await dc.onResponse(TYPE_URLS.cluster, '4', pack(TYPE_URLS.listener, hcmListener('l', 'r')));
  assert.match(wrongType!, /resource 0 is a type\.googleapis\.com\/envoy\.config\.listener\.v3\.Listener, in a response for .*Cluster/);
  const notOurs = await dc.onResponse('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', '1', []);
  assert.match(notOurs!, /does not read/);
  assert.equal(applied.length, 1, 'nothing else was applied');
  assert.deepEqual([...applied[0].clusters.keys()], ['xds', 'a']);
  assert.match(logs.join('\n'), /rejected CDS version 2 \(NACK; keeping version 1\)/);
  const dump = dc.configDump({ target: 'cp:15010', connected: true }) as { configs: { '@type': string; types?: { type_url: string; version_info: string; last_nack: { version: string } | null }[] }[] };
  const status = dump.configs.find((c) => c['@type'] === 'weft.admin.AdsStatus')!.types!.find((t) => t.type_url === TYPE_URLS.cluster)!;
  assert.equal(status.version_info, '1');
  assert.equal(status.last_nack!.version, '4');
  assert.match(metrics.render(), /weft_proxy_xds_updates_total\{result="nack",type="CDS"\} 3/);
});

test('an unchanged resource keeps the version it last changed in', async () => {
  const { dc } = setup();
  await dc.onResponse(TYPE_URLS.cluster, '1', pack(TYPE_URLS.cluster, eds('a'), eds('b')));
  await dc.onResponse(TYPE_URLS.cluster, '2', pack(TYPE_URLS.cluster, eds('a'), { ...eds('b'), connect_timeout: '2s' }));
  const dump = dc.configDump({ target: 'cp', connected: true }) as { configs: { '@type': string; dynamic_active_clusters?: { version_info: string; cluster: { name: string } }[] }[] };
  const clusters = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump')!.dynamic_active_clusters!;
  assert.deepEqual(clusters.map((c) => [c.cluster.name, c.version_info]), [['a', '1'], ['b', '2']]);
});
