// What an HTTP connection manager (one per listener filter chain) holds at run time: the
// compiled routes and the settings every request on its connections reads.
import type { RouteTable } from './route/index.ts';
import type { HttpFilterChains } from './filters/index.ts';
import type { NormalizedPath } from './path-normalize.ts';
import type { Cluster } from '../cluster/cluster.ts';
import type { AccessLog } from '../observe/access-log.ts';
import type { Direction, ProxyMetrics, RequestMetrics } from '../observe/metrics.ts';

export interface HttpConnectionManager {
  readonly statPrefix: string;
  readonly routes: RouteTable;
  /** HTTP filters before the router (fault, local rate limit); null when the router is the only one. */
  readonly filters: HttpFilterChains | null;
  /** normalize_path / merge_slashes / path_with_escaped_slashes_action; null when none is set. */
  readonly normalizePath: ((target: string) => NormalizedPath) | null;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Upgrade types allowed by `upgrade_configs` (lower-case, e.g. `websocket`). */
  readonly upgrades: ReadonlySet<string>;
  readonly generateRequestId: boolean;
  readonly skipXffAppend: boolean;
  readonly accessLogs: readonly AccessLog[];
  readonly metrics: ProxyMetrics;
  /** Time allowed for the request headers to arrive (`request_headers_timeout`, default 10 s). */
  readonly requestHeadersTimeoutMs: number;
  /** Idle keep-alive connections close after this (`common_http_protocol_options.idle_timeout`, 1 h; 0 = never). */
  readonly idleTimeoutMs: number;
  /** HTTP/1.1 codec limits: `common_http_protocol_options.max_headers_count` (100), `max_request_headers_kb` (60). */
  readonly maxHeadersCount: number;
  readonly maxRequestHeadersBytes: number;
  /**
   * Cache of pre-bound metric handles by route name, then cluster name: two lookups with the
   * config's own strings, whose hashes V8 keeps, instead of building and hashing a key per request.
   */
  readonly requestMetrics: Map<string, Map<string, RequestMetrics>>;
  /** The filter chain terminates TLS: the `tls` label of its request metrics (bound per chain, no per-request cost). */
  readonly tls: boolean;
  /** The listener's traffic_direction: INBOUND is `inbound` in metrics, anything else `outbound`. */
  readonly direction: Direction;
  /** Set while the listener drains: responses carry `Connection: close`, HTTP/2 gets GOAWAY. */
  draining: boolean;
}
