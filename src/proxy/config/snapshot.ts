// Envoy resources (listeners, clusters, route tables, endpoints — static from the bootstrap or
// received over ADS) → the proxy's run-time objects. Static and dynamic config take this same path.
import { WeftError } from '../../core/errors.ts';
import { lbPolicyOf } from '../balance/index.ts';
import { Cluster, sameTransports, type ClusterSpec, type EndpointSpec, type Transport } from '../cluster/cluster.ts';
import type { UpstreamProtocol } from '../cluster/endpoint.ts';
import { DEFAULT_LIMITS } from '../cluster/circuit-breaker.ts';
import { outlierConfig } from '../cluster/outlier-detection.ts';
import { retryLimitOf } from '../cluster/retry-budget.ts';
import type { HttpConnectionManager } from '../http/connection-manager.ts';
import { buildHttpFilters, type HttpFilterChains } from '../http/filters/index.ts';
import { pathNormalizer } from '../http/path-normalize.ts';
import { compileRouteConfiguration } from '../http/route/index.ts';
import type { ChainSpec, FilterChain, ListenerSpec } from '../listen/listener.ts';
import type { TcpProxyConfig } from '../listen/tcp-proxy.ts';
import { AccessLog } from '../observe/access-log.ts';
import type { Direction, ProxyMetrics, TcpMetrics } from '../observe/metrics.ts';
import type { ProxySnapshot } from '../proxy.ts';
import { DownstreamTls } from '../tls/downstream.ts';
import type { SpiffeId } from '../../pki/index.ts';
import type { AgentSecrets } from '../tls/agent-secrets.ts';
import { SecretStore } from '../tls/secrets.ts';
import { downstreamTlsSpec, upstreamTlsSpec } from '../tls/context-specs.ts';
import { UpstreamTls } from '../tls/upstream.ts';
import type { TlsContextStatus } from '../tls/status.ts';
import {
  durationMs, edsServiceName, HTTP_PROTOCOL_OPTIONS_KEY, TRANSPORT_SOCKET_MATCH_METADATA, TYPE_URLS, WEFT_ENDPOINT_METADATA,
  type AccessLog as AccessLogConfig, type Bootstrap, type Cluster as EnvoyCluster, type ClusterLoadAssignment, type Listener as EnvoyListener,
  type RouteConfiguration, type Secret, type Metadata, type UpstreamTlsContext, type DownstreamTlsContext,
  type HttpConnectionManager as HttpConnectionManagerConfig, type TcpProxy as TcpProxyFilterConfig,
} from '../../xds/envoy/index.ts';

/** A duration field in milliseconds, or the default when it is absent. */
function ms(duration: string | undefined, fallbackMs: number): number {
  return duration === undefined ? fallbackMs : durationMs(duration);
}

/** A set of validated resources from any source: the bootstrap, ADS, or both merged. */
export interface ConfigResources {
  /** Each listener with the path that names it in errors (`static_resources.listeners[0]`, `listener.web`). */
  readonly listeners: readonly { readonly listener: EnvoyListener; readonly path: string }[];
  readonly clusters: readonly EnvoyCluster[];
  /** RouteConfigurations by name, for HTTP connection managers with `rds`. */
  readonly routes: ReadonlyMap<string, RouteConfiguration>;
  /** ClusterLoadAssignments by name, for EDS clusters. */
  readonly endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  /** Named TLS secrets (static_resources.secrets; SDS later), with the path that names each in errors. */
  readonly secrets: readonly { readonly secret: Secret; readonly path: string }[];
}

export function staticResources(bootstrap: Bootstrap): ConfigResources {
  const resources = bootstrap.static_resources ?? {};
  return {
    listeners: (resources.listeners ?? []).map((listener, i) => ({ listener, path: `static_resources.listeners[${i}]` })),
    clusters: resources.clusters ?? [],
    routes: new Map(),
    endpoints: new Map(),
    secrets: (resources.secrets ?? []).map((secret, i) => ({ secret, path: `static_resources.secrets[${i}]` })),
  };
}

export interface BuildOptions {
  /** The /config_dump document for this snapshot. */
  readonly configDump: object;
  /** The snapshot being replaced: clusters whose settings are unchanged are kept (warm pools, DNS state). */
  readonly previous?: ProxySnapshot;
  /** The workload identity agent's secrets (SDS `sds-grpc`); default: the previous snapshot's; none without an identity. */
  readonly agent?: AgentSecrets | null;
}

/** A TLS context built on the identity agent's secrets only: it outlives snapshots until `close`. */
export type LastingTlsContext = UpstreamTls | DownstreamTls;

/** What building a snapshot shares: the secrets and the TLS contexts made from them (for /certs). */
interface TlsBuild {
  readonly secrets: SecretStore;
  readonly contexts: { status(): TlsContextStatus }[];
  readonly metrics: ProxyMetrics;
  /** This snapshot's lasting contexts by spec, and the previous snapshot's, which are reused when the spec is the same. */
  readonly lasting: Map<string, LastingTlsContext>;
  readonly reusable: ReadonlyMap<string, LastingTlsContext>;
}

/**
 * Each snapshot has its own SecretStore (its file watches end when the snapshot is retired). TLS
 * contexts on file or inline secrets belong to it, so a cluster using them is rebuilt on every
 * update; contexts on the identity agent's secrets (the mesh's mTLS) are carried over, and so are
 * the clusters using them.
 */
export function buildSnapshot(resources: ConfigResources, metrics: ProxyMetrics, options: BuildOptions): ProxySnapshot {
  const secrets = new SecretStore(undefined, options.agent !== undefined ? options.agent : options.previous?.secrets.agent ?? null);
  const clusters = new Map<string, Cluster>();
  const logs: LogSet = { all: [], files: new Map(), previous: options.previous?.fileLogs ?? new Map() };
  const reusable = options.previous?.lastingTls ?? new Map<string, LastingTlsContext>();
  const tls: TlsBuild = { secrets, contexts: [], metrics, lasting: new Map(), reusable };
  try {
    for (const { secret, path } of resources.secrets) secrets.define(secret, path);
    for (const c of resources.clusters) {
      const spec = clusterSpec(c, `clusters.${c.name}`, resources.endpoints, tls);
      const old = options.previous?.clusters.get(c.name);
      const keep = old !== undefined && sameSpec(old.spec, spec);
      clusters.set(c.name, keep ? old : new Cluster(spec, metrics, old));
    }
    const listeners = resources.listeners.map(({ listener, path }) => listenerSpec(listener, path, clusters, resources.routes, metrics, logs, tls, options.previous?.listeners.find((p) => p.name === listener.name)));
    return {
      clusters, listeners, accessLogs: logs.all, fileLogs: logs.files, configDump: options.configDump, secrets, lastingTls: tls.lasting,
      tlsContexts: () => tls.contexts.map((c) => c.status()),
    };
  } catch (err) {
    // Nothing of a snapshot that failed to build may outlive it: file watches, new clusters' pools
    // and timers, files opened for its access logs, lasting TLS contexts it made.
    secrets.close();
    closeLastingExcept(tls.lasting, reusable);
    for (const c of clusters.values()) if (c !== options.previous?.clusters.get(c.name)) c.retire(options.previous?.clusters.get(c.name));
    for (const [path, log] of logs.files) if (options.previous?.fileLogs.get(path) !== log) void log.close();
    throw err;
  }
}

/** Closes the lasting TLS contexts of `contexts` that `kept` does not hold (they stop following the agent's rotations). */
export function closeLastingExcept(contexts: ReadonlyMap<string, LastingTlsContext>, kept: ReadonlyMap<string, LastingTlsContext>): void {
  const keep = new Set(kept.values());
  for (const c of contexts.values()) if (!keep.has(c)) c.close();
}

/** Same settings; TLS contexts compare by identity (they hold secret stores, not JSON). */
function sameSpec(a: ClusterSpec, b: ClusterSpec): boolean {
  const plain = (s: ClusterSpec) => JSON.stringify({ ...s, tls: null, matchedTransports: null });
  return sameTransports(a, b) && plain(a) === plain(b);
}


/** The first transport_socket_matches entry whose `match` the endpoint's metadata satisfies; undefined: the cluster's own. */
function matchedTransport(c: EnvoyCluster, metadata: Metadata | undefined): number | undefined {
  const values = metadata?.filter_metadata?.[TRANSPORT_SOCKET_MATCH_METADATA] ?? {};
  const i = (c.transport_socket_matches ?? []).findIndex((m) => Object.entries(m.match ?? {}).every(([k, v]) => values[k] === v));
  return i < 0 ? undefined : i;
}

function announcedIdentity(metadata: Metadata | undefined, path: () => string): SpiffeId[] | undefined {
  const v = metadata?.filter_metadata?.[WEFT_ENDPOINT_METADATA]?.identity;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v.startsWith('spiffe://')) {
    throw new WeftError('WEFT_CONFIG_INVALID', `metadata.filter_metadata["${WEFT_ENDPOINT_METADATA}"].identity must be a SPIFFE ID (spiffe://trust-domain/path), got ${JSON.stringify(v)}`, { path: path() });
  }
  return [v as SpiffeId];
}

/**
 * The HTTP version to an endpoint: auto_config speaks HTTP/2 over TLS (ALPN h2) and HTTP/1.1 in
 * plaintext; explicit_http_config (or the legacy http2_protocol_options) names one for all.
 */
function protocolOf(c: EnvoyCluster, tls: boolean): UpstreamProtocol {
  const options = c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY];
  if (options?.auto_config !== undefined) return tls ? 'http2' : 'http1';
  return options?.explicit_http_config?.http2_protocol_options !== undefined || c.http2_protocol_options !== undefined ? 'http2' : 'http1';
}

function clusterSpec(c: EnvoyCluster, path: string, assignments: ReadonlyMap<string, ClusterLoadAssignment>, tls: TlsBuild): ClusterSpec {
  const endpoints: EndpointSpec[] = [];
  // An EDS cluster whose assignment has not arrived yet has no endpoints (503 until it does).
  const assignment = c.type === 'EDS' ? assignments.get(edsServiceName(c)) : c.load_assignment;
  for (const [l, locality] of (assignment?.endpoints ?? []).entries()) {
    for (const [e, lb] of (locality.lb_endpoints ?? []).entries()) {
      const address = lb.endpoint?.address?.socket_address;
      if (!address) continue;
      const health = lb.health_status ?? 'UNKNOWN';
      const transport = matchedTransport(c, lb.metadata);
      const identity = announcedIdentity(lb.metadata, () => `${path} endpoints[${l}].lb_endpoints[${e}]`);
      endpoints.push({
        host: address.address,
        port: address.port_value ?? 0,
        weight: lb.load_balancing_weight ?? 1,
        // Envoy routes to HEALTHY, UNKNOWN and DEGRADED hosts; the rest are excluded.
        healthy: health === 'HEALTHY' || health === 'UNKNOWN' || health === 'DEGRADED',
        ...(transport !== undefined ? { transport } : {}),
        ...(identity !== undefined ? { identity } : {}),
      });
    }
  }
  const family = c.dns_lookup_family === 'V4_ONLY' ? 4 : c.dns_lookup_family === 'V6_ONLY' ? 6 : 0;
  const own = c.transport_socket?.typed_config;
  const protocol = protocolOf(c, own !== undefined);
  const matchedTransports: Transport[] = (c.transport_socket_matches ?? []).map((m, i) => {
    const context = m.transport_socket.typed_config;
    const p = protocolOf(c, true);
    return { protocol: p, tls: upstreamTls(context, `${path}.transport_socket_matches[${i}].transport_socket.typed_config`, p, tls) };
  });
  return {
    name: c.name,
    // EDS endpoints are IPs like STATIC ones; they arrive in a new snapshot rather than by DNS.
    discovery: c.type === 'STRICT_DNS' ? 'strict_dns' : 'static',
    protocol,
    connectTimeoutMs: ms(c.connect_timeout, 5000),
    dnsRefreshMs: ms(c.dns_refresh_rate, 5000),
    dnsFamily: family,
    endpoints,
    lb: lbPolicyOf(c),
    limits: circuitLimits(c),
    outlier: c.outlier_detection === undefined ? null : outlierConfig(c.outlier_detection),
    retryLimit: retryLimitOf(c.circuit_breakers),
    tls: own === undefined ? null : upstreamTls(own, `${path}.transport_socket.typed_config`, protocol, tls),
    matchedTransports,
  };
}

/**
 * A TLS context for this snapshot; one on the identity agent's secrets only is the previous
 * snapshot's when its spec is unchanged, so rotations keep reaching it and its clusters stay warm.
 */
function lastingOr<T extends LastingTlsContext>(spec: { readonly certificate: string | null; readonly validation: string | null }, key: string, build: TlsBuild, make: () => T): T {
  const names = [spec.certificate, spec.validation].filter((n) => n !== null);
  if (names.length === 0 || !names.every((n) => build.secrets.lasting(n))) {
    const context = make();
    build.contexts.push(context);
    return context;
  }
  let context = build.lasting.get(key) ?? build.reusable.get(key);
  if (context === undefined) context = make();
  if (!build.lasting.has(key)) {
    build.lasting.set(key, context);
    build.contexts.push(context);
  }
  return context as T;
}

function upstreamTls(context: UpstreamTlsContext, at: string, protocol: UpstreamProtocol, build: TlsBuild): UpstreamTls {
  const spec = upstreamTlsSpec(context, at, protocol, build.secrets);
  return lastingOr(spec, `upstream ${JSON.stringify(spec)}`, build, () => new UpstreamTls(spec, build.secrets));
}

/** The DEFAULT-priority thresholds (HIGH is refused by the schema); Envoy's 1024 for what is unset. */
function circuitLimits(c: EnvoyCluster): ClusterSpec['limits'] {
  const t = c.circuit_breakers?.thresholds?.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT');
  return {
    maxConnections: t?.max_connections ?? DEFAULT_LIMITS.maxConnections,
    maxPendingRequests: t?.max_pending_requests ?? DEFAULT_LIMITS.maxPendingRequests,
    maxRequests: t?.max_requests ?? DEFAULT_LIMITS.maxRequests,
  };
}

function listenerSpec(
  l: EnvoyListener, path: string, clusters: ReadonlyMap<string, Cluster>, routes: ReadonlyMap<string, RouteConfiguration>,
  metrics: ProxyMetrics, logs: LogSet, build: TlsBuild, previous?: ListenerSpec,
): ListenerSpec {
  const address = l.address?.socket_address;
  if (!address) throw new WeftError('WEFT_CONFIG_INVALID', 'a listener needs address.socket_address', { path: `${path}.address` });
  const chains: ChainSpec[] = (l.filter_chains ?? []).map((fc, c) => {
    const chainPath = `${path}.filter_chains[${c}]`;
    const filters = fc.filters ?? [];
    if (filters.length !== 1) {
      throw new WeftError('WEFT_CONFIG_UNSUPPORTED', `a filter chain holds exactly one network filter in Weft (found ${filters.length})`, { path: `${chainPath}.filters` });
    }
    const context = fc.transport_socket?.typed_config;
    const tls = context === undefined ? null : downstreamTls(context, `${chainPath}.transport_socket.typed_config`, `${l.name} filter_chains[${c}]`, l.name, build);
    const config = filters[0].typed_config;
    const filterPath = `${chainPath}.filters[0].typed_config`;
    let serve: FilterChain;
    if (config?.['@type'] === TYPE_URLS.httpConnectionManager) {
      const old = previous?.chains[c]?.serve; // the same chain before this update: its filters' state carries over
      serve = httpChain(config as HttpConnectionManagerConfig, l.name, clusters, routes, metrics, logs, tls !== null, old?.kind === 'http' ? old.hcm.filters : null, l.traffic_direction === 'INBOUND' ? 'inbound' : 'outbound');
    } else if (config?.['@type'] === TYPE_URLS.tcpProxy) {
      serve = { kind: 'tcp', tcp: tcpChain(config as TcpProxyFilterConfig, clusters, metrics, logs, tls !== null) };
    } else {
      throw new WeftError('WEFT_CONFIG_UNSUPPORTED', `network filter ${String(config?.['@type'])} is not supported (use HttpConnectionManager or TcpProxy)`, { path: filterPath });
    }
    const tp = fc.filter_chain_match?.transport_protocol ?? '';
    return { match: tp === 'tls' || tp === 'raw_buffer' ? tp : 'any', tls, serve };
  });
  return { name: l.name, host: address.address, port: address.port_value ?? 0, inspector: (l.listener_filters ?? []).length > 0, chains };
}

function downstreamTls(context: DownstreamTlsContext, at: string, name: string, listener: string, build: TlsBuild): DownstreamTls {
  const spec = downstreamTlsSpec(context, at, name, build.secrets);
  return lastingOr(spec, `downstream ${JSON.stringify(spec)}`, build, () => {
    const metrics = build.metrics;
    const refused = metrics.counter('downstream_tls_refused', 'Downstream TLS connections refused: failed handshakes, peer certificates that are not acceptable SVIDs, and connections while this proxy has no certificate, per listener and reason.', { listener, reason: 'handshake' });
    const byReason = new Map<string, { inc(): void }>([['handshake', refused]]);
    return new DownstreamTls(spec, build.secrets, {
      refused: (reason) => {
        let counter = byReason.get(reason);
        if (counter === undefined) byReason.set(reason, (counter = metrics.counter('downstream_tls_refused', '', { listener, reason })));
        counter.inc();
      },
    });
  });
}

function httpChain(
  h: HttpConnectionManagerConfig, listener: string, clusters: ReadonlyMap<string, Cluster>, routeTables: ReadonlyMap<string, RouteConfiguration>,
  metrics: ProxyMetrics, logs: LogSet, tls: boolean, previousFilters: HttpFilterChains | null, direction: Direction,
): FilterChain {
  const accessLogs = accessLogsOf(h.access_log, logs);
  // A table named by `rds` that has not arrived yet routes nothing (404), as an empty table would.
  const table = h.route_config ?? routeTables.get(h.rds!.route_config_name) ?? { name: h.rds!.route_config_name, virtual_hosts: [] };
  const routes = compileRouteConfiguration(table);
  const hcm: HttpConnectionManager = {
    statPrefix: h.stat_prefix,
    routes,
    filters: buildHttpFilters(h, routes, listener, metrics, table, previousFilters),
    normalizePath: pathNormalizer({
      normalizePath: h.normalize_path ?? false,
      mergeSlashes: h.merge_slashes ?? false,
      escapedSlashes: h.path_with_escaped_slashes_action ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT',
    }),
    clusters,
    upgrades: new Set((h.upgrade_configs ?? []).filter((u) => u.enabled !== false).map((u) => u.upgrade_type.toLowerCase())),
    generateRequestId: h.generate_request_id ?? true,
    skipXffAppend: h.skip_xff_append ?? false,
    accessLogs,
    metrics,
    // Envoy disables this by default; Weft defaults to 10 s (RELIABILITY.md A7, slowloris).
    requestHeadersTimeoutMs: ms(h.request_headers_timeout, 10_000) || 10_000,
    idleTimeoutMs: ms(h.common_http_protocol_options?.idle_timeout, 3_600_000),
    maxHeadersCount: h.common_http_protocol_options?.max_headers_count ?? 100,
    maxRequestHeadersBytes: (h.max_request_headers_kb ?? 60) * 1024,
    requestMetrics: new Map(),
    tls,
    direction,
    draining: false,
  };
  const codec = h.codec_type === 'HTTP1' ? 'http1' : h.codec_type === 'HTTP2' ? 'http2' : 'auto';
  return { kind: 'http', codec, hcm };
}

function tcpChain(t: TcpProxyFilterConfig, clusters: ReadonlyMap<string, Cluster>, metrics: ProxyMetrics, logs: LogSet, tls: boolean): TcpProxyConfig {
  const weighted = t.weighted_clusters?.clusters ?? [];
  const total = weighted.reduce((sum, c) => sum + (c.weight ?? 0), 0);
  const single = t.cluster ?? '';
  const handles = new Map<string, TcpMetrics>();
  return {
    statPrefix: t.stat_prefix,
    pickCluster(random: number): string {
      if (weighted.length === 0) return single;
      let point = random * total;
      for (const c of weighted) {
        point -= c.weight ?? 0;
        if (point < 0) return c.name;
      }
      return weighted[weighted.length - 1].name;
    },
    clusters,
    idleTimeoutMs: ms(t.idle_timeout, 3_600_000),
    metrics(cluster: string): TcpMetrics {
      let handle = handles.get(cluster);
      if (handle === undefined) {
        handle = metrics.tcp('outbound', cluster, tls);
        handles.set(cluster, handle);
      }
      return handle;
    },
  };
}

/** The access logs a snapshot writes to: all of them, and the file writers by path. */
interface LogSet {
  readonly all: AccessLog[];
  readonly files: Map<string, AccessLog>;
  /** The replaced snapshot's file writers: a config update keeps writing through them. */
  readonly previous: ReadonlyMap<string, AccessLog>;
}

/** One AccessLog per sink: stdout loggers share one writer, and so do loggers of one file, so lines never interleave. */
let stdoutLog: AccessLog | null = null;

function accessLogsOf(configs: readonly AccessLogConfig[] | undefined, logs: LogSet): AccessLog[] {
  const out: AccessLog[] = [];
  for (const c of configs ?? []) {
    const sink = c.typed_config;
    let log: AccessLog;
    if (sink['@type'] === TYPE_URLS.fileAccessLog) {
      log = logs.files.get(sink.path) ?? logs.previous.get(sink.path) ?? AccessLog.toFile(sink.path);
      logs.files.set(sink.path, log);
    } else {
      log = stdoutLog ??= AccessLog.toStdout();
    }
    out.push(log);
    if (!logs.all.includes(log)) logs.all.push(log);
  }
  return out;
}

/**
 * Inline private keys never leave the process, /config_dump included: Envoy prints them as
 * "[redacted]" too. A key named by `filename` shows its file name only.
 */
function redactKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'private_key' && typeof v === 'object' && v !== null && !('filename' in v) ? { inline_string: '[redacted]' } : redactKeys(v);
  }
  return out;
}

/** /config_dump for a bootstrap with static resources only. */
export function staticConfigDump(original: Bootstrap): object {
  const now = new Date().toISOString();
  const bootstrap = redactKeys(original) as Bootstrap;
  const resources = bootstrap.static_resources ?? {};
  return {
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap, last_updated: now },
      { '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        static_secrets: (resources.secrets ?? []).map((secret) => ({ name: secret.name, last_updated: now, secret: { '@type': TYPE_URLS.secret, ...secret } })) },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        static_clusters: (resources.clusters ?? []).map((cluster) => ({ cluster: { '@type': TYPE_URLS.cluster, ...cluster }, last_updated: now })) },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        static_listeners: (resources.listeners ?? []).map((listener) => ({ listener: { '@type': TYPE_URLS.listener, ...listener }, last_updated: now })) },
    ],
  };
}
