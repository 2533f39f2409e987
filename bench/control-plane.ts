// PERFORMANCE.md P8: the ADS server with many simulated xDS clients. The server (this process)
// holds S services (an EDS cluster each, E endpoints in all, one RDS table with a virtual host
// per service) and N connected proxies, simulated in a child process: each opens its own gRPC
// connection, subscribes to CDS, EDS (every cluster), LDS and RDS, and ACKs every response.
// Reported: memory per connected proxy (server heap and RSS growth / N) and, for C route
// changes, the push latency until every proxy has the new table (p50 / p99 / max).
//
//   npm run bench:control-plane -- [--proxies 1000] [--services 1000] [--endpoints 10000] [--changes 5]
import { fork, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ANY_NODE, SnapshotCache, startAdsServer } from '../src/control/xds/index.ts';
import { TYPE_URLS } from '../src/xds/envoy/index.ts';
import protobuf from 'protobufjs';
import { ADS_METHOD, encodeRequest } from '../src/xds/proto/index.ts';

const HCM = TYPE_URLS.httpConnectionManager;
const now = () => performance.timeOrigin + performance.now();

function resources(services: number, endpoints: number, version: number) {
  const names = Array.from({ length: services }, (_, i) => `outbound|80||svc-${i}.default.svc.cluster.local`);
  const per = Math.max(1, Math.round(endpoints / services));
  return {
    names,
    clusters: names.map((name) => ({ name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } })),
    assignments: names.map((name, s) => ({
      cluster_name: name,
      endpoints: [{ lb_endpoints: Array.from({ length: per }, (_, e) => ({
        endpoint: { address: { socket_address: { address: `10.${(s >> 8) & 255}.${s & 255}.${e + 1}`, port_value: 8080 } } },
      })) }],
    })),
    listener: {
      name: 'outbound',
      address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
      filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
        '@type': HCM, stat_prefix: 'outbound', rds: { route_config_name: 'outbound', config_source: { ads: {} } },
        http_filters: [{ name: 'router', typed_config: { '@type': TYPE_URLS.router } }],
      } }] }],
    },
    routes: table(names, version),
  };
}

/** One virtual host per service; `version` moves the weights of service 0 (the "route change"). */
function table(names: readonly string[], version: number) {
  return {
    name: 'outbound',
    virtual_hosts: names.map((name, i) => ({
      name: `svc-${i}`, domains: [`svc-${i}.default.svc.cluster.local`],
      routes: [{ match: { prefix: '/' }, route: i === 0
        ? { weighted_clusters: { clusters: [{ name, weight: 100 - (version % 100) }, { name: names[1] ?? name, weight: version % 100 }] } }
        : { cluster: name } }],
    })),
  };
}

// ── the simulated proxies (child process) ──

/**
 * version_info (1), type_url (4) and nonce (5) of a DiscoveryResponse, skipping the resources: a
 * simulated proxy must not spend the shared CPU decoding what a real proxy decodes on its own.
 */
function peek(bytes: Buffer): { version: string; typeUrl: string; nonce: string } {
  const r = protobuf.Reader.create(bytes);
  const out = { version: '', typeUrl: '', nonce: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) out.version = r.string();
    else if (field === 4) out.typeUrl = r.string();
    else if (field === 5) out.nonce = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

function runClients(port: number, count: number, clusterNames: readonly string[]): void {
  const synced = new Set<number>();
  const byVersion = new Map<string, number[]>();
  for (let id = 0; id < count; id++) {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 << 20 });
    const call = client.makeBidiStreamRequest(ADS_METHOD, (b: Buffer) => b, (b: Buffer) => b);
    const seen = new Set<string>();
    const names: Record<string, readonly string[]> = { [TYPE_URLS.clusterLoadAssignment]: clusterNames, [TYPE_URLS.routeConfiguration]: ['outbound'] };
    call.on('data', (bytes: Buffer) => {
      const r = peek(bytes);
      call.write(encodeRequest({ version_info: r.version, resource_names: names[r.typeUrl] ?? [], type_url: r.typeUrl, response_nonce: r.nonce }));
      seen.add(r.typeUrl);
      if (seen.size === 4 && !synced.has(id)) {
        synced.add(id);
        if (synced.size === count) process.send!({ kind: 'synced' });
      }
      if (r.typeUrl === TYPE_URLS.routeConfiguration) {
        const times = byVersion.get(r.version) ?? [];
        times.push(now());
        byVersion.set(r.version, times);
        if (times.length === count) process.send!({ kind: 'rds', version: r.version, times });
      }
    });
    call.on('error', () => {});
    let first = true;
    for (const t of [TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.listener, TYPE_URLS.routeConfiguration]) {
      call.write(encodeRequest({
        version_info: '', resource_names: names[t] ?? [], type_url: t, response_nonce: '',
        ...(first ? { node: { id: `sidecar-${id}`, cluster: 'bench' } } : {}),
      }));
      first = false;
    }
  }
}

// ── the server and the measurement (this process) ──

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function waitFor<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
    const onMessage = (m: Record<string, unknown>) => {
      const v = pick(m);
      if (v === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(v);
    };
    child.on('message', onMessage);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      proxies: { type: 'string', default: '1000' }, services: { type: 'string', default: '1000' },
      endpoints: { type: 'string', default: '10000' }, changes: { type: 'string', default: '5' },
      clients: { type: 'string' }, port: { type: 'string' },
    },
  });
  const services = Number(values.services);
  const endpoints = Number(values.endpoints);
  if (values.clients !== undefined) {
    runClients(Number(values.port), Number(values.clients), resources(services, endpoints, 0).names);
    return;
  }
  const proxies = Number(values.proxies);
  const changes = Number(values.changes);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:control-plane does)');
  const r = resources(services, endpoints, 0);
  const cache = new SnapshotCache();
  const t0 = now();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: r.clusters, [TYPE_URLS.clusterLoadAssignment]: r.assignments,
    [TYPE_URLS.listener]: [r.listener], [TYPE_URLS.routeConfiguration]: [r.routes],
  });
  const packMs = now() - t0;
  const server = await startAdsServer({ cache, port: 0, log: () => {} });
  gc();
  const before = process.memoryUsage();
  const child = fork(new URL(import.meta.url).pathname, ['--clients', String(proxies), '--port', String(server.port), '--services', String(services), '--endpoints', String(endpoints)], { stdio: 'inherit' });
  try {
    const syncStart = now();
    await waitFor(child, (m) => (m.kind === 'synced' ? true : undefined), 300_000, `${proxies} proxies to sync`);
    const syncMs = now() - syncStart;
    await new Promise((res) => setTimeout(res, 500));
    gc();
    const after = process.memoryUsage();
    const latencies: number[] = [];
    for (let c = 1; c <= changes; c++) {
      const start = now();
      cache.setResources(ANY_NODE, TYPE_URLS.routeConfiguration, [table(r.names, c)]);
      const version = cache.view(ANY_NODE, TYPE_URLS.routeConfiguration).version;
      const got = await waitFor(child, (m) => (m.kind === 'rds' && m.version === version ? (m as { times: number[] }) : undefined), 120_000, `route change ${c}`);
      latencies.push(...got.times.map((t) => t - start));
      await new Promise((res) => setTimeout(res, 300));
    }
    latencies.sort((a, b) => a - b);
    const kib = (bytes: number) => (bytes / 1024 / proxies).toFixed(1);
    console.log(`control plane: ${services} services, ${endpoints} endpoints, ${proxies} proxies (simulated xDS clients, one connection each)`);
    console.log(`  packing the snapshot: ${packMs.toFixed(0)} ms; all proxies synced in ${syncMs.toFixed(0)} ms`);
    const retained = after.heapUsed - before.heapUsed + (after.external - before.external);
    console.log(`  memory per connected proxy (after GC): ${kib(retained)} KiB retained (heap ${kib(after.heapUsed - before.heapUsed)} + buffers ${kib(after.external - before.external)}); RSS growth ${kib(after.rss - before.rss)} KiB, which also holds the allocator's high-water mark from the initial sync (P8 goal ≤ 330 KiB)`);
    console.log(`  route change → every proxy (${changes} changes, debounce 100 ms included): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms (P8 goal p99 ≤ 1000 ms)`);
  } finally {
    child.kill();
    await server.close();
  }
}

await main();
