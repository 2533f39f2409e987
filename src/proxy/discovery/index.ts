// proxy/discovery: `dynamic_resources.ads_config` — the ADS client and the dynamic config it feeds.
import { DEFAULT_INITIAL_FETCH_TIMEOUT, durationMs, type Bootstrap, type ConfigSource, type HttpConnectionManager } from '../../xds/envoy/index.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import type { Proxy } from '../proxy.ts';
import { AdsClient } from './ads-client.ts';
import { DynamicConfig } from './dynamic-config.ts';

export { AdsClient, MAX_RESPONSE_BYTES } from './ads-client.ts';
export { DynamicConfig } from './dynamic-config.ts';

export interface Discovery {
  /** Resolves once every subscribed type has had a first response, or after initial_fetch_timeout. */
  initialFetch(): Promise<void>;
  stop(): void;
}

/** The control plane's address: the first endpoint of the ADS cluster (STRICT_DNS names resolve in grpc-js). */
function targetOf(bootstrap: Bootstrap): string {
  const name = bootstrap.dynamic_resources!.ads_config!.grpc_services[0].envoy_grpc!.cluster_name;
  const cluster = bootstrap.static_resources!.clusters!.find((c) => c.name === name)!;
  const sa = cluster.load_assignment!.endpoints![0].lb_endpoints![0].endpoint.address.socket_address!;
  const host = sa.address.includes(':') ? `[${sa.address}]` : sa.address;
  return `${cluster.type === 'STRICT_DNS' ? 'dns:' : ''}${host}:${sa.port_value}`;
}

/**
 * One wait for the whole initial fetch (Envoy times each subscription): the longest
 * initial_fetch_timeout among the bootstrap's config sources; 0 anywhere waits until it is done.
 */
function initialFetchTimeoutMs(bootstrap: Bootstrap): number {
  const dr = bootstrap.dynamic_resources!;
  const sources: (ConfigSource | undefined)[] = [dr.lds_config, dr.cds_config];
  for (const c of bootstrap.static_resources?.clusters ?? []) sources.push(c.eds_cluster_config?.eds_config);
  for (const l of bootstrap.static_resources?.listeners ?? []) {
    for (const chain of l.filter_chains) for (const f of chain.filters ?? []) sources.push((f.typed_config as HttpConnectionManager).rds?.config_source);
  }
  const values = sources.filter((s) => s !== undefined).map((s) => durationMs(s.initial_fetch_timeout ?? DEFAULT_INITIAL_FETCH_TIMEOUT));
  if (values.length === 0) return durationMs(DEFAULT_INITIAL_FETCH_TIMEOUT);
  return values.includes(0) ? 0 : Math.max(...values);
}

export function startDiscovery(bootstrap: Bootstrap, proxy: Proxy, metrics: ProxyMetrics, drainTimeMs: number, log: (line: string) => void): Discovery {
  const subscribed = new Set<string>();
  let onProgress: () => void = () => {};
  const target = targetOf(bootstrap);
  const { user_agent_name: _n, ...node } = (bootstrap.node ?? {}) as Record<string, unknown>;
  const client: AdsClient = new AdsClient({
    target,
    node: { ...node, user_agent_name: 'weft', user_agent_version: process.env.npm_package_version ?? '0.1.0' },
    nodeOnFirstMessageOnly: bootstrap.dynamic_resources!.ads_config!.set_node_on_first_message_only ?? false,
    onResponse: async (typeUrl, version, resources) => {
      const verdict = await dynamic.onResponse(typeUrl, version, resources);
      onProgress();
      return verdict;
    },
    log,
  });
  const dynamic = new DynamicConfig({
    bootstrap,
    metrics,
    apply: (snapshot) => proxy.apply(snapshot, drainTimeMs),
    current: () => proxy.currentSnapshot(),
    subscribe: (typeUrl, names) => {
      subscribed.add(typeUrl);
      client.subscribe(typeUrl, names);
    },
    log,
  });
  dynamic.initialSubscriptions();
  proxy.setConfigDump(() => dynamic.configDump({ target, connected: client.connected }));
  metrics.gauge('xds_connected', '1 while the ADS stream to the control plane is up (Envoy: control_plane.connected_state).', { control_plane: target }, () => (client.connected ? 1 : 0));
  client.start();
  const timeoutMs = initialFetchTimeoutMs(bootstrap);
  return {
    initialFetch: () => new Promise<void>((resolve) => {
      if (dynamic.initialFetchDone(subscribed)) return resolve();
      // Envoy's rule: 0 waits forever.
      const timer = timeoutMs > 0 ? setTimeout(() => {
        log(`initial fetch from ${target} not complete after ${timeoutMs / 1000} s; serving what has arrived (the stream keeps retrying)`);
        onProgress = () => {};
        resolve();
      }, timeoutMs) : null;
      // Checked after each response, once the EDS / RDS subscriptions it caused are known.
      onProgress = () => {
        if (!dynamic.initialFetchDone(subscribed)) return;
        if (timer) clearTimeout(timer);
        onProgress = () => {};
        resolve();
      };
    }),
    stop: () => client.stop(),
  };
}
