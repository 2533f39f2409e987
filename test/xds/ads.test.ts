// A real `weft proxy` process following Weft's ADS server (in-process) with a dynamic bootstrap:
// initial config, route changes without restart, a NACKed update that leaves the last good
// config serving, and a control-plane restart the proxy rides through.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ANY_NODE, SnapshotCache, startAdsServer, type AdsServer } from '../../src/control/xds/index.ts';
import { TYPE_URLS } from '../../src/xds/envoy/index.ts';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HCM_TYPE, ROUTER } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';

const edsCluster = (name: string) => ({ name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } });
const assignment = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
});
const listener = {
  name: 'ingress',
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
    '@type': HCM_TYPE, stat_prefix: 'ingress', rds: { route_config_name: 'web', config_source: { ads: {} } }, http_filters: [ROUTER],
  } }] }],
};
type Route = Record<string, unknown>;
const routes = (...list: Route[]) => ({ name: 'web', virtual_hosts: [{ name: 'all', domains: ['*'], routes: list }] });
const split = (v1: number, v2: number): Route => ({
  match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'v1', weight: v1 }, { name: 'v2', weight: v2 }] } },
});
const toV2WithHeader: Route = { match: { prefix: '/', headers: [{ name: 'x-canary', exact_match: 'yes' }] }, route: { cluster: 'v2' } };

let server: AdsServer | null = null;
let proxy: RunningProxy | null = null;
const upstreams: EchoServer[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  await proxy?.stop();
  await server?.close();
  for (const c of cleanups) await c();
  for (const u of upstreams) await u.close();
});

/** examples/ads-sidecar.yaml, with the admin port free, the node id set and the control plane's port filled in. */
function dynamicBootstrap(xdsPort: number, id: string): Record<string, unknown> {
  const doc = parse(readFileSync(new URL('../../examples/ads-sidecar.yaml', import.meta.url), 'utf8')) as {
    node: { id: string }; admin: { address: { socket_address: { port_value: number } } };
    static_resources: { clusters: { load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[] } }[] };
  };
  doc.node.id = id;
  doc.admin.address.socket_address.port_value = 0;
  doc.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = xdsPort;
  return doc;
}

async function listenerPorts(p: RunningProxy): Promise<Record<string, number>> {
  const body = (await (await p.admin('/listeners?format=json')).json()) as {
    listener_statuses: { name: string; local_address: { socket_address: { port_value: number } } }[];
  };
  return Object.fromEntries(body.listener_statuses.map((l) => [l.name, l.local_address.socket_address.port_value]));
}

async function upstreamOf(port: number, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(port, '/', { headers });
  assert.equal(res.status, 200, res.body);
  return String(res.headers['x-upstream']);
}


/** Upstreams v1 and v2 as EDS clusters, the ingress listener, and a table sending everything to v1. */
async function twoVersions(): Promise<{ v1: EchoServer; v2: EchoServer; cache: SnapshotCache }> {
  const v1 = await startEchoServer('v1');
  const v2 = await startEchoServer('v2');
  upstreams.push(v1, v2);
  const cache = new SnapshotCache();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: [edsCluster('v1'), edsCluster('v2')],
    [TYPE_URLS.clusterLoadAssignment]: [assignment('v1', v1.port), assignment('v2', v2.port)],
    [TYPE_URLS.listener]: [listener],
    [TYPE_URLS.routeConfiguration]: [routes(split(100, 0))],
  });
  return { v1, v2, cache };
}

test('a proxy follows the ADS server: initial config, route changes, NACK, control-plane restart', async () => {
  const { v1, v2, cache } = await twoVersions();
  const logs: string[] = [];
  server = await startAdsServer({ cache, port: 0, debounceMs: 20, log: (l) => logs.push(l) });
  const xdsPort = server.port;
  proxy = await startProxy(dynamicBootstrap(xdsPort, 'sidecar-1'));
  const port = proxy.ports.ingress;
  assert.ok(port > 0, `ingress bound: ${JSON.stringify(proxy.ports)}`);

  // 1. Initial config: everything to v1, through EDS endpoints and an RDS table.
  for (let i = 0; i < 4; i++) assert.equal(await upstreamOf(port), 'v1');
  assert.equal(server.proxies()[0].nodeId, 'sidecar-1');
  assert.ok(server.proxies()[0].types.every((t) => t.ackedVersion !== '' && t.lastNack === null), JSON.stringify(server.proxies()[0].types));

  // 2. A route change (weights, then a header match) applies without restart, on a kept-alive connection too.
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await request(port, '/', { agent })).headers['x-upstream'], 'v1');
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes(split(0, 100))]);
  await eventually(async () => (await upstreamOf(port)) === 'v2', 5000, 'traffic to move to v2');
  for (let i = 0; i < 4; i++) assert.equal(await upstreamOf(port), 'v2');
  assert.equal((await request(port, '/', { agent })).headers['x-upstream'], 'v2');
  agent.destroy();
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes(toV2WithHeader, split(100, 0))]);
  await eventually(async () => (await upstreamOf(port)) === 'v1', 5000, 'the header match');
  assert.equal(await upstreamOf(port, { 'x-canary': 'yes' }), 'v2');
  const dump = (await (await proxy.admin('/config_dump')).json()) as { configs: Record<string, unknown>[] };
  const rdsDump = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump') as {
    dynamic_route_configs: { version_info: string; route_config: { name: string } }[];
  };
  assert.equal(rdsDump.dynamic_route_configs[0].route_config.name, 'web');
  assert.equal(rdsDump.dynamic_route_configs[0].version_info, cache.view('sidecar-1', TYPE_URLS.routeConfiguration).version);

  // 3. An invalid table (the same domain in two virtual hosts) is NACKed with the field path; the last good one keeps serving.
  const bad = { name: 'web', virtual_hosts: [
    { name: 'a', domains: ['*'], routes: [split(0, 100)] },
    { name: 'b', domains: ['*'], routes: [split(0, 100)] },
  ] };
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [bad]);
  await eventually(() => server!.nacks().length === 1, 5000, 'the NACK');
  const nack = server.nacks()[0];
  assert.equal(nack.typeUrl, TYPE_URLS.routeConfiguration);
  assert.match(nack.message, /route_configuration\.web\.virtual_hosts\[1\]\.domains\[0\]/);
  assert.ok(logs.some((l) => l.startsWith("NACK from node 'sidecar-1'")), logs.join('\n'));
  assert.equal(await upstreamOf(port), 'v1');
  assert.equal(await upstreamOf(port, { 'x-canary': 'yes' }), 'v2');
  const status = ((await (await proxy.admin('/config_dump')).json()) as { configs: Record<string, unknown>[] }).configs.find((c) => c['@type'] === 'weft.admin.AdsStatus') as {
    connected: boolean; types: { type_url: string; last_nack: { details: string } | null }[];
  };
  assert.equal(status.connected, true);
  assert.match(status.types.find((t) => t.type_url === TYPE_URLS.routeConfiguration)!.last_nack!.details, /domains/);
  assert.match(proxy.stderr(), /rejected RDS version \d+ \(NACK; keeping version \d+\)/);
  const stats = await (await proxy.admin('/stats/prometheus')).text();
  assert.match(stats, /^weft_proxy_xds_updates_total\{result="nack",type="RDS"\} 1$/m);
  assert.match(stats, /^weft_proxy_xds_updates_total\{result="ack",type="RDS"\} 3$/m);
  assert.match(stats, /weft_proxy_xds_connected\{[^}]*\} 1\b/);

  // 4. The control plane goes away: the proxy keeps serving; it comes back on the same port: the proxy resyncs.
  await server.close();
  server = null;
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 5; i++) assert.equal(await upstreamOf(port), 'v1');
  await eventually(() => /ADS stream to .* lost/.test(proxy!.stderr()), 5000, 'the proxy to notice');
  assert.match(await (await proxy.admin('/stats/prometheus')).text(), /weft_proxy_xds_connected\{[^}]*\} 0\b/);
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes(split(0, 100))]);
  server = await startAdsServer({ cache, port: xdsPort, debounceMs: 20, log: (l) => logs.push(l) });
  await eventually(async () => (await upstreamOf(port)) === 'v2', 10_000, 'the resync after the restart');
  await eventually(() => server!.proxies().length === 1 && server!.nacks().length === 0, 5000, 'a clean ACK state');
  const after = await proxy.admin('/ready');
  assert.equal(after.status, 200);
});

test('listeners and endpoints come and go over ADS; in-flight requests survive updates; bad clusters are NACKed', async () => {
  const a = await startEchoServer('a');
  const b = await startEchoServer('b');
  upstreams.push(a, b);
  const cache = new SnapshotCache();
  const table = (name: string, cluster: string) => ({ name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] });
  const named = (name: string, rds: string) => ({ ...listener, name, filter_chains: [{ filters: [{ ...listener.filter_chains[0].filters[0], typed_config: {
    ...listener.filter_chains[0].filters[0].typed_config, stat_prefix: name, rds: { route_config_name: rds, config_source: { ads: {} } },
  } }] }] });
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: [edsCluster('svc')],
    [TYPE_URLS.clusterLoadAssignment]: [assignment('svc', a.port)],
    [TYPE_URLS.listener]: [named('one', 'r1')],
    [TYPE_URLS.routeConfiguration]: [table('r1', 'svc'), table('r2', 'svc')],
  });
  const ads = await startAdsServer({ cache, port: 0, debounceMs: 20, log: () => {} });
  cleanups.push(() => ads.close());
  const p = await startProxy(dynamicBootstrap(ads.port, 'sidecar-2'), { args: ['--drain-time-s', '1'] });
  cleanups.push(() => p.stop());
  const one = p.ports.one;
  assert.equal(await upstreamOf(one), 'a');

  // A slow request in flight while the endpoints move to another upstream finishes normally.
  const slow = request(one, '/delay/600');
  await new Promise((r) => setTimeout(r, 100));
  cache.setResources(ANY_NODE, TYPE_URLS.clusterLoadAssignment, [assignment('svc', b.port)]);
  await eventually(async () => (await upstreamOf(one)) === 'b', 5000, 'EDS to move traffic to b');
  const slowRes = await slow;
  assert.equal(slowRes.status, 200);
  assert.equal(slowRes.headers['x-upstream'], 'a');

  // Route and listener updates keep the cluster, and so its warm upstream connection to b.
  for (let i = 0; i < 3; i++) await upstreamOf(one);
  const pooled = b.connections;
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [table('r1', 'svc'), table('r2', 'svc'), table('r3', 'svc')]);
  cache.setResources(ANY_NODE, TYPE_URLS.listener, [{ ...named('one', 'r1'), filter_chains: [{ filters: [{ ...named('one', 'r1').filter_chains[0].filters[0], typed_config: {
    ...named('one', 'r1').filter_chains[0].filters[0].typed_config, generate_request_id: false,
  } }] }] }]);
  // The listener update has landed when the proxy stops adding x-request-id upstream.
  await eventually(async () => {
    await upstreamOf(one);
    return b.requests[b.requests.length - 1].headers['x-request-id'] === undefined;
  }, 5000, 'the listener update');
  for (let i = 0; i < 3; i++) assert.equal(await upstreamOf(one), 'b');
  assert.equal(b.connections, pooled, 'no new upstream connection: the pool stayed warm');

  // A second listener appears (with its own RDS table), then the first one goes away and stops accepting.
  cache.setResources(ANY_NODE, TYPE_URLS.listener, [named('one', 'r1'), named('two', 'r2')]);
  await eventually(async () => (await listenerPorts(p)).two !== undefined, 5000, 'listener two');
  const two = (await listenerPorts(p)).two;
  assert.equal(await upstreamOf(two), 'b');
  cache.setResources(ANY_NODE, TYPE_URLS.listener, [named('two', 'r2')]);
  await eventually(async () => (await listenerPorts(p)).one === undefined, 5000, 'listener one to be removed');
  await assert.rejects(request(one, '/'), /ECONNREFUSED/);
  assert.equal(await upstreamOf(two), 'b');
  assert.equal((await listenerPorts(p)).two, two, 'the kept listener keeps its socket');

  // A cluster the proxy cannot serve is NACKed with its field path; the last good clusters stay.
  cache.setResources(ANY_NODE, TYPE_URLS.cluster, [edsCluster('svc'), { ...edsCluster('odd'), lb_policy: 'MAGLEV' }]);
  await eventually(() => ads.nacks().length === 1, 5000, 'the CDS NACK');
  assert.equal(ads.nacks()[0].typeUrl, TYPE_URLS.cluster);
  assert.match(ads.nacks()[0].message, /cluster\.odd\.lb_policy: Weft does not support lb_policy MAGLEV yet/);
  assert.equal(await upstreamOf(two), 'b');
  const dump = (await (await p.admin('/config_dump')).json()) as { configs: Record<string, unknown>[] };
  const clusters = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump') as {
    static_clusters: { cluster: { name: string } }[]; dynamic_active_clusters: { version_info: string; cluster: { name: string } }[];
  };
  assert.deepEqual(clusters.static_clusters.map((c) => c.cluster.name), ['xds_cluster']);
  assert.deepEqual(clusters.dynamic_active_clusters.map((c) => c.cluster.name), ['svc']);
  // A cluster named like a static one is refused too.
  cache.setResources(ANY_NODE, TYPE_URLS.cluster, [edsCluster('svc'), edsCluster('xds_cluster')]);
  await eventually(() => /defined in static_resources/.test(ads.nacks()[0]?.message ?? ''), 5000, 'the static-name NACK');
  assert.equal(await upstreamOf(two), 'b');
  // A listener on a port that is taken (by upstream a) fails to bind: NACKed, nothing else changed.
  const taken = { ...named('three', 'r2'), address: { socket_address: { address: '127.0.0.1', port_value: a.port } } };
  cache.setResources(ANY_NODE, TYPE_URLS.listener, [named('two', 'r2'), taken]);
  await eventually(() => ads.nacks().some((n) => n.typeUrl === TYPE_URLS.listener), 5000, 'the LDS NACK');
  assert.match(ads.nacks().find((n) => n.typeUrl === TYPE_URLS.listener)!.message, new RegExp(`listener 'three': cannot listen on 127\\.0\\.0\\.1:${a.port}: .*EADDRINUSE`));
  assert.deepEqual(Object.keys(await listenerPorts(p)), ['two']);
  assert.equal(await upstreamOf(two), 'b');
});

test('a proxy started before its control plane goes LIVE after initial_fetch_timeout, then picks the config up', async () => {
  const up = await startEchoServer('late');
  upstreams.push(up);
  const probe = (await import('node:net')).createServer();
  const xdsPort = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise((r) => probe.close(r));
  const doc = dynamicBootstrap(xdsPort, 'sidecar-3') as { dynamic_resources: Record<'lds_config' | 'cds_config', { initial_fetch_timeout: string }> };
  // The proxy waits for the longest timeout among its config sources.
  doc.dynamic_resources.lds_config.initial_fetch_timeout = '0.5s';
  doc.dynamic_resources.cds_config.initial_fetch_timeout = '0.5s';
  const t0 = Date.now();
  const p = await startProxy(doc);
  cleanups.push(() => p.stop());
  assert.ok(Date.now() - t0 >= 500, 'it waited for the initial fetch');
  assert.match(p.stderr(), /initial fetch from 127\.0\.0\.1:\d+ not complete after 0\.5 s/);
  assert.deepEqual(p.ports, {});
  const cache = new SnapshotCache();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: [edsCluster('late')],
    [TYPE_URLS.clusterLoadAssignment]: [assignment('late', up.port)],
    [TYPE_URLS.listener]: [listener],
    [TYPE_URLS.routeConfiguration]: [{ name: 'web', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'late' } }] }] }],
  });
  const ads = await startAdsServer({ cache, port: xdsPort, debounceMs: 20, log: () => {} });
  cleanups.push(() => ads.close());
  await eventually(async () => (await listenerPorts(p)).ingress !== undefined, 10_000, 'the listener from the late control plane');
  assert.equal(await upstreamOf((await listenerPorts(p)).ingress), 'late');
});

test('RELIABILITY D5: a response over 16 MiB is refused unread; the proxy keeps its config and recovers when the update shrinks', async () => {
  const up = await startEchoServer('steady');
  upstreams.push(up);
  const cache = new SnapshotCache();
  const simple = (extra: Route[] = []) => routes(...extra, { match: { prefix: '/' }, route: { cluster: 'steady' } });
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: [edsCluster('steady')],
    [TYPE_URLS.clusterLoadAssignment]: [assignment('steady', up.port)],
    [TYPE_URLS.listener]: [listener],
    [TYPE_URLS.routeConfiguration]: [simple()],
  });
  const ads = await startAdsServer({ cache, port: 0, debounceMs: 20, log: () => {} });
  cleanups.push(() => ads.close());
  const p = await startProxy(dynamicBootstrap(ads.port, 'sidecar-4'));
  cleanups.push(() => p.stop());
  const port = p.ports.ingress;
  assert.equal(await upstreamOf(port), 'steady');
  const huge = { match: { prefix: '/huge' }, direct_response: { status: 200, body: { inline_string: 'x'.repeat(17 * 1024 * 1024) } } };
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [simple([huge])]);
  await eventually(() => /RESOURCE_EXHAUSTED/.test(p.stderr()), 10_000, 'the oversized response to be refused');
  assert.equal(await upstreamOf(port), 'steady');
  assert.equal((await request(port, '/huge')).headers['x-upstream'], 'steady', 'the huge route never arrived');
  const small = { match: { prefix: '/small' }, direct_response: { status: 200, body: { inline_string: 'small' } } };
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [simple([small])]);
  await eventually(async () => (await request(port, '/small')).body === 'small', 15_000, 'the next, smaller update');
  assert.equal(await upstreamOf(port), 'steady');
});

test('static listener and cluster, dynamic routes and endpoints: rds and EDS without LDS / CDS', async () => {
  const one = await startEchoServer('one');
  const two = await startEchoServer('two');
  upstreams.push(one, two);
  const cache = new SnapshotCache();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.clusterLoadAssignment]: [assignment('svc', one.port)],
    [TYPE_URLS.routeConfiguration]: [routes({ match: { prefix: '/' }, route: { cluster: 'svc' } })],
  });
  const ads = await startAdsServer({ cache, port: 0, debounceMs: 20, log: () => {} });
  cleanups.push(() => ads.close());
  const doc = dynamicBootstrap(ads.port, 'sidecar-5') as {
    dynamic_resources: Record<string, unknown>; static_resources: { clusters: unknown[]; listeners?: unknown[] };
  };
  delete doc.dynamic_resources.cds_config;
  delete doc.dynamic_resources.lds_config;
  doc.static_resources.clusters.push(edsCluster('svc'));
  // Two listeners logging to one file: one writer serves both, and updates keep using it.
  const logFile = join(mkdtempSync(join(tmpdir(), 'weft-ads-')), 'access.log');
  const withLog = (name: string) => {
    const l = structuredClone(listener) as typeof listener & { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] };
    l.name = name;
    l.filter_chains[0].filters[0].typed_config.access_log = [{ name: 'file', typed_config: { '@type': TYPE_URLS.fileAccessLog, path: logFile } }];
    return l;
  };
  doc.static_resources.listeners = [withLog('ingress'), withLog('ingress2')];
  const p = await startProxy(doc);
  cleanups.push(() => p.stop());
  const port = p.ports.ingress;
  assert.equal(await upstreamOf(port), 'one');
  const subscribed = Object.fromEntries(ads.proxies()[0].types.map((t) => [t.typeUrl, t.subscribed]));
  assert.deepEqual(subscribed, { [TYPE_URLS.clusterLoadAssignment]: ['svc'], [TYPE_URLS.routeConfiguration]: ['web'] });
  cache.setResources(ANY_NODE, TYPE_URLS.clusterLoadAssignment, [assignment('svc', two.port)]);
  await eventually(async () => (await upstreamOf(port)) === 'two', 5000, 'the new endpoint');
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes({ match: { prefix: '/' }, direct_response: { status: 204 } })]);
  await eventually(async () => (await request(port, '/')).status === 204, 5000, 'the new route table');
  assert.equal((await request(p.ports.ingress2, '/')).status, 204);
  const fds = readdirSync(`/proc/${p.child.pid}/fd`).filter((fd) => {
    try { return readlinkSync(`/proc/${p.child.pid}/fd/${fd}`) === logFile; } catch { return false; }
  });
  assert.equal(fds.length, 1, 'one writer for the file, kept across updates');
  await eventually(() => {
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { response_code: number });
    return lines.some((l) => l.response_code === 200) && lines.filter((l) => l.response_code === 204).length >= 2;
  }, 5000, 'log lines from before and after the updates');
});

test('RELIABILITY D1 / D4 in small: route changes every 100 ms and a control-plane restart under steady traffic fail no request', async () => {
  const { v1, v2, cache } = await twoVersions();
  let ads = await startAdsServer({ cache, port: 0, debounceMs: 20, log: () => {} });
  const xdsPort = ads.port;
  cleanups.push(() => ads.close());
  const p = await startProxy(dynamicBootstrap(xdsPort, 'sidecar-6'));
  cleanups.push(() => p.stop());
  const port = p.ports.ingress;
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 4 });
  const statuses = new Map<number | string, number>();
  let running = true;
  const worker = async () => {
    while (running) {
      const status = await request(port, '/', { agent }).then((r) => r.status, (e: Error) => e.message);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const workers = [worker(), worker(), worker()];
  for (let i = 1; i <= 10; i++) {
    cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes(split(100 - i * 10, i * 10))]);
    await new Promise((r) => setTimeout(r, 100));
  }
  await ads.close();
  await new Promise((r) => setTimeout(r, 800));
  cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [routes(split(50, 50))]);
  ads = await startAdsServer({ cache, port: xdsPort, debounceMs: 20, log: () => {} });
  await eventually(() => ads.proxies().some((x) => x.types.some((t) => t.typeUrl === TYPE_URLS.routeConfiguration && t.ackedVersion === cache.view('sidecar-6', t.typeUrl).version)), 10_000, 'the resync');
  await new Promise((r) => setTimeout(r, 200));
  running = false;
  await Promise.all(workers);
  agent.destroy();
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  assert.deepEqual([...statuses.keys()], [200], `every request succeeded: ${JSON.stringify([...statuses])}`);
  assert.ok(total > 100, `steady traffic (${total} requests)`);
  assert.ok(v1.requests.length > 0 && v2.requests.length > 0, 'both versions served during the changes');
});
