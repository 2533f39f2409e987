// Interop: a proxyless gRPC client built on @grpc/grpc-js-xds (an independent xDS client) reads
// Weft's ADS server. The resources are written by hand here (translation is not part of this
// test): an api_listener named like the target, an RDS table with an 80/20 split and a header
// match, EDS clusters. The client must ACK all four types, honour the routes, and follow a change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { ANY_NODE, SnapshotCache, startAdsServer } from '../../src/control/xds/index.ts';
import { TYPE_URLS } from '../../src/xds/envoy/index.ts';
import { EchoClient, servedBy as call, servedByCounts as counts, startGrpcServer } from '../helpers/grpc.ts';

const TARGET = 'echo.default.svc.cluster.local:7070';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URLS.router } };

const cluster = (name: string) => ({ name, type: 'EDS', lb_policy: 'ROUND_ROBIN', eds_cluster_config: { eds_config: { ads: {} } } });
// gRPC ignores localities without a weight.
const assignment = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{
    locality: { region: 'local' }, load_balancing_weight: 1,
    lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }],
  }],
});
const table = (v1: number, v2: number) => ({
  name: 'echo-routes',
  virtual_hosts: [{ name: 'echo', domains: [TARGET], routes: [
    { match: { prefix: '', headers: [{ name: 'x-version', exact_match: 'v2' }] }, route: { cluster: 'v2' } },
    { match: { prefix: '' }, route: { weighted_clusters: { clusters: [{ name: 'v1', weight: v1 }, { name: 'v2', weight: v2 }] } } },
  ] }],
});
const apiListener = {
  name: TARGET,
  api_listener: { api_listener: {
    '@type': TYPE_URLS.httpConnectionManager, stat_prefix: 'echo',
    rds: { route_config_name: 'echo-routes', config_source: { ads: {} } }, http_filters: [ROUTER],
  } },
};

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});


test('@grpc/grpc-js-xds follows Weft’s ADS server: 80/20 split, header match, a route change without restart', async () => {
  const v1 = await startGrpcServer('v1');
  const v2 = await startGrpcServer('v2');
  closers.push(() => v1.close(), () => v2.close());
  const cache = new SnapshotCache();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.listener]: [apiListener],
    [TYPE_URLS.routeConfiguration]: [table(80, 20)],
    [TYPE_URLS.cluster]: [cluster('v1'), cluster('v2')],
    [TYPE_URLS.clusterLoadAssignment]: [assignment('v1', v1.port), assignment('v2', v2.port)],
  });
  const server = await startAdsServer({ cache, port: 0, debounceMs: 20, log: () => {} });
  closers.push(() => server.close());
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${server.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'proxyless-1', locality: {}, metadata: { 'weft.dev/client': 'grpc' } },
  });
  register();
  const client = new EchoClient(`xds:///${TARGET}`, grpc.credentials.createInsecure());
  closers.push(() => client.close());

  const split = await counts(client, 200);
  assert.equal((split.v1 ?? 0) + (split.v2 ?? 0), 200);
  assert.ok(split.v1 >= 140 && split.v1 <= 180, `80/20 split: ${JSON.stringify(split)}`);
  const canary = new grpc.Metadata();
  canary.set('x-version', 'v2');
  for (let i = 0; i < 10; i++) assert.equal(await call(client, canary), 'v2');

  const proxy = server.proxies().find((p) => p.nodeId === 'proxyless-1');
  assert.ok(proxy, 'the client is connected');
  assert.deepEqual(
    proxy.types.map((t) => [t.typeUrl, t.ackedVersion !== '', t.lastNack]).sort(),
    [TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.listener, TYPE_URLS.routeConfiguration].map((t) => [t, true, null]).sort(),
  );
  assert.deepEqual(proxy.types.find((t) => t.typeUrl === TYPE_URLS.listener)!.subscribed, [TARGET]);

  // The route moves everything to v1; the running client follows.
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [table(100, 0)]);
  const deadline = Date.now() + 5000;
  let after: Record<string, number> = {};
  while (Date.now() < deadline) {
    after = await counts(client, 20);
    if (after.v1 === 20) break;
  }
  assert.deepEqual(after, { v1: 20 });
  assert.equal(await call(client, canary), 'v2', 'the header match still wins');
  assert.deepEqual(server.nacks(), []);
});
