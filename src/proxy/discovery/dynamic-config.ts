// The proxy's dynamic config: the resources accepted from ADS, per type, with their versions;
// each response is validated by the same decoder and checks as the bootstrap, merged with the
// static resources, built into a snapshot and swapped in — or refused whole (NACK) with the reason,
// leaving the last good config serving. Also works out which EDS / RDS names to subscribe to.
import { isWeftError } from '../../core/errors.ts';
import {
  decodeDiscovered, edsServiceName, Issues, resourceName, toConfigError, TYPE_URLS, DISCOVERED_TYPES,
  type Bootstrap, type Cluster as EnvoyCluster, type ClusterLoadAssignment, type DiscoveredType, type HttpConnectionManager,
  type Listener as EnvoyListener, type RouteConfiguration,
} from '../../xds/envoy/index.ts';
import { unpackResource, type AnyResource } from '../../xds/proto/index.ts';
import { buildSnapshot, staticResources, type ConfigResources } from '../config/snapshot.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import type { ProxySnapshot } from '../proxy.ts';

interface Accepted {
  readonly resource: unknown;
  readonly version: string;
  readonly lastUpdated: string;
}

interface TypeState {
  version: string;
  resources: Map<string, Accepted>;
  received: boolean;
  lastNack: { readonly version: string; readonly details: string; readonly at: string } | null;
}

export interface DynamicConfigOptions {
  readonly bootstrap: Bootstrap;
  readonly metrics: ProxyMetrics;
  /** Swaps a snapshot in (Proxy.apply); a rejection (a port that cannot be bound) is a NACK. */
  readonly apply: (snapshot: ProxySnapshot) => Promise<void>;
  readonly current: () => ProxySnapshot;
  readonly subscribe: (typeUrl: string, names: readonly string[]) => void;
  readonly log: (line: string) => void;
}

const SHORT: Record<DiscoveredType, string> = {
  [TYPE_URLS.cluster]: 'CDS',
  [TYPE_URLS.clusterLoadAssignment]: 'EDS',
  [TYPE_URLS.listener]: 'LDS',
  [TYPE_URLS.routeConfiguration]: 'RDS',
};

function isDiscovered(t: string): t is DiscoveredType {
  return (DISCOVERED_TYPES as readonly string[]).includes(t);
}

function rdsNames(listeners: readonly EnvoyListener[]): string[] {
  const out: string[] = [];
  for (const l of listeners) {
    for (const chain of l.filter_chains) {
      for (const f of chain.filters ?? []) {
        const h = f.typed_config as HttpConnectionManager;
        if (h['@type'] === TYPE_URLS.httpConnectionManager && h.rds) out.push(h.rds.route_config_name);
      }
    }
  }
  return out;
}

export class DynamicConfig {
  private readonly options: DynamicConfigOptions;
  private readonly types = new Map<DiscoveredType, TypeState>();
  /** EDS / RDS once asked for (an empty list then still has to be sent). */
  private readonly subscribed = new Set<string>();
  private readonly static: ConfigResources;
  /** Static resources were last updated when the proxy loaded its bootstrap. */
  private readonly loadedAt = new Date().toISOString();

  constructor(options: DynamicConfigOptions) {
    this.options = options;
    this.static = staticResources(options.bootstrap);
    for (const t of DISCOVERED_TYPES) this.types.set(t, { version: '', resources: new Map(), received: false, lastNack: null });
  }

  /** Subscribes to what the bootstrap asks for: LDS / CDS wildcards, and EDS / RDS names of static resources. */
  initialSubscriptions(): void {
    const dr = this.options.bootstrap.dynamic_resources;
    if (dr?.cds_config) this.options.subscribe(TYPE_URLS.cluster, []);
    if (dr?.lds_config) this.options.subscribe(TYPE_URLS.listener, []);
    this.resubscribe(this.merged());
  }

  /** Whether every subscribed type has had its first response (accepted or refused). */
  initialFetchDone(subscribed: Iterable<string>): boolean {
    for (const t of subscribed) if (isDiscovered(t) && !this.types.get(t)!.received) return false;
    return true;
  }

  /** Handles one DiscoveryResponse: null when it was applied (ACK), else the reason (NACK). */
  async onResponse(typeUrl: string, version: string, anys: readonly AnyResource[]): Promise<string | null> {
    if (!isDiscovered(typeUrl)) return `Weft's proxy does not read ${typeUrl}`;
    const st = this.types.get(typeUrl)!;
    st.received = true;
    // A bug while applying must not take the proxy down: the update is refused like a bad one.
    const error = await this.tryApply(typeUrl, version, anys).catch((err: unknown) => `internal error applying the update (please report it): ${err instanceof Error ? err.message : String(err)}`);
    this.options.metrics
      .counter('xds_updates', 'xDS responses handled, by type and verdict (ack: applied; nack: refused, last good config kept).', { type: SHORT[typeUrl], result: error === null ? 'ack' : 'nack' })
      .inc();
    if (error !== null) {
      st.lastNack = { version, details: error, at: new Date().toISOString() };
      this.options.log(`rejected ${SHORT[typeUrl]} version ${version} (NACK; keeping version ${st.version || 'none'}): ${error}`);
    } else {
      st.lastNack = null;
    }
    return error;
  }

  private async tryApply(typeUrl: DiscoveredType, version: string, anys: readonly AnyResource[]): Promise<string | null> {
    const jsons: Record<string, unknown>[] = [];
    for (const [i, any] of anys.entries()) {
      if (any.type_url !== typeUrl) return `resource ${i} is a ${any.type_url}, in a response for ${typeUrl}`;
      try {
        jsons.push(unpackResource(any));
      } catch (err) {
        return `resource ${i}: ${(err as Error).message}`;
      }
    }
    const issues = new Issues();
    const known = new Set(this.merged().clusters.map((c) => c.name));
    const decoded = decodeDiscovered(typeUrl, jsons, issues, known);
    const source = `${SHORT[typeUrl]} version ${version}`;
    const clash = typeUrl === TYPE_URLS.cluster ? this.static.clusters.map((c) => c.name) : typeUrl === TYPE_URLS.listener ? this.static.listeners.map((l) => l.listener.name) : [];
    for (const r of decoded) {
      const name = resourceName(typeUrl, r as Record<string, unknown>);
      if (clash.includes(name)) issues.invalid([SHORT[typeUrl] === 'CDS' ? 'cluster' : 'listener', name], `'${name}' is defined in static_resources; a static resource cannot be replaced over xDS`);
    }
    if (issues.size > 0) return toConfigError(issues.list, source).message;
    const st = this.types.get(typeUrl)!;
    const now = new Date().toISOString();
    const next = new Map<string, Accepted>();
    for (const r of decoded) {
      const name = resourceName(typeUrl, r as Record<string, unknown>);
      const old = st.resources.get(name);
      // A resource keeps the version it last changed in, as Envoy's config_dump shows it.
      next.set(name, old !== undefined && JSON.stringify(old.resource) === JSON.stringify(r) ? old : { resource: r, version, lastUpdated: now });
    }
    const before = st.resources;
    st.resources = next;
    try {
      const merged = this.merged();
      const snapshot = buildSnapshot(merged, this.options.metrics, { configDump: {}, previous: this.options.current() });
      await this.options.apply(snapshot);
      st.version = version;
      this.resubscribe(merged);
      return null;
    } catch (err) {
      st.resources = before;
      if (isWeftError(err)) return `${source}: ${err.message}`;
      throw err;
    }
  }

  /** Static resources plus everything accepted from ADS. */
  merged(): ConfigResources {
    const dyn = <T>(t: DiscoveredType) => [...this.types.get(t)!.resources.values()].map((a) => a.resource as T);
    const routes = new Map(dyn<RouteConfiguration>(TYPE_URLS.routeConfiguration).map((r) => [r.name ?? '', r]));
    const endpoints = new Map(dyn<ClusterLoadAssignment>(TYPE_URLS.clusterLoadAssignment).map((e) => [e.cluster_name, e]));
    return {
      listeners: [...this.static.listeners, ...dyn<EnvoyListener>(TYPE_URLS.listener).map((listener) => ({ listener, path: `listener.${listener.name}` }))],
      clusters: [...this.static.clusters, ...dyn<EnvoyCluster>(TYPE_URLS.cluster)],
      routes,
      endpoints,
      secrets: this.static.secrets,
    };
  }

  /** EDS follows the EDS clusters, RDS the route tables listeners name by `rds`. */
  private resubscribe(merged: ConfigResources): void {
    const eds = merged.clusters.filter((c) => c.type === 'EDS').map(edsServiceName);
    const rds = rdsNames(merged.listeners.map((l) => l.listener));
    // Once subscribed, an empty list is sent too: it unsubscribes (EDS and RDS have no wildcard).
    for (const [t, names] of [[TYPE_URLS.clusterLoadAssignment, eds], [TYPE_URLS.routeConfiguration, rds]] as const) {
      if (names.length === 0 && !this.subscribed.has(t)) continue;
      this.subscribed.add(t);
      this.options.subscribe(t, names);
    }
  }

  /** Envoy's admin.v3.ConfigDump, simplified: static and dynamic resources with their versions, plus the ADS state. */
  configDump(ads: { readonly target: string; readonly connected: boolean }): object {
    const b = this.options.bootstrap;
    const sr = b.static_resources ?? {};
    const at = this.loadedAt;
    const entries = (t: DiscoveredType) => [...this.types.get(t)!.resources.values()];
    return {
      configs: [
        { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: b },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          version_info: this.types.get(TYPE_URLS.cluster)!.version,
          static_clusters: (sr.clusters ?? []).map((cluster) => ({ cluster: { '@type': TYPE_URLS.cluster, ...cluster }, last_updated: at })),
          dynamic_active_clusters: entries(TYPE_URLS.cluster).map((a) => ({
            version_info: a.version, cluster: { '@type': TYPE_URLS.cluster, ...(a.resource as object) }, last_updated: a.lastUpdated,
          })),
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          version_info: this.types.get(TYPE_URLS.listener)!.version,
          static_listeners: (sr.listeners ?? []).map((listener) => ({ listener: { '@type': TYPE_URLS.listener, ...listener }, last_updated: at })),
          dynamic_listeners: entries(TYPE_URLS.listener).map((a) => ({
            name: (a.resource as EnvoyListener).name,
            active_state: { version_info: a.version, listener: { '@type': TYPE_URLS.listener, ...(a.resource as object) }, last_updated: a.lastUpdated },
          })),
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
          dynamic_route_configs: entries(TYPE_URLS.routeConfiguration).map((a) => ({
            version_info: a.version, route_config: { '@type': TYPE_URLS.routeConfiguration, ...(a.resource as object) }, last_updated: a.lastUpdated,
          })),
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
          dynamic_endpoint_configs: entries(TYPE_URLS.clusterLoadAssignment).map((a) => ({
            version_info: a.version, endpoint_config: { '@type': TYPE_URLS.clusterLoadAssignment, ...(a.resource as object) }, last_updated: a.lastUpdated,
          })),
        },
        {
          // Weft's own section: the ADS stream and, per type, the accepted version and the last NACK.
          '@type': 'weft.admin.AdsStatus',
          control_plane: ads.target,
          connected: ads.connected,
          types: DISCOVERED_TYPES.map((t) => {
            const st = this.types.get(t)!;
            return { type_url: t, version_info: st.version, last_nack: st.lastNack };
          }),
        },
      ],
    };
  }
}
