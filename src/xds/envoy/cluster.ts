// config.cluster.v3.Cluster, its upstream HTTP protocol options, and the circuit-breaker and
// outlier-detection messages.

import type { Static } from 'typebox';
import { ConfigSource } from './config-source.ts';
import { ClusterLoadAssignment } from './endpoint.ts';
import { Http1ProtocolOptions, Http2ProtocolOptions } from './protocol.ts';
import { LeastRequestLbConfig, LoadBalancingPolicy, RingHashLbConfig } from './load-balancing.ts';
import { Any, Bool, Duration, Enum, Message, Refused, Type, UInt32, Str } from './schema.ts';
import { UpstreamTransportSocket } from './tls.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, TYPE_URLS } from './type-urls.ts';

export const DEFAULT_CONNECT_TIMEOUT = '5s';
export const DEFAULT_DNS_REFRESH_RATE = '5s';
/** Envoy's default for max_connections, max_pending_requests and max_requests. */
export const DEFAULT_CIRCUIT_LIMIT = 1024;

const HTTP3 = { http3_protocol_options: 'HTTP/3 is not supported' };
const UPSTREAM_COMMON = 'upstream idle timeout and limits are fixed for now; arrives with the resilience work';

export const UpstreamHttpProtocolOptions = Message(
  {
    '@type': Type.Literal(TYPE_URLS.httpProtocolOptions),
    explicit_http_config: Type.Optional(
      Message(
        { http_protocol_options: Type.Optional(Http1ProtocolOptions), http2_protocol_options: Type.Optional(Http2ProtocolOptions) },
        { unsupported: HTTP3, oneofs: [{ fields: ['http_protocol_options', 'http2_protocol_options', 'http3_protocol_options'], required: true }] },
      ),
    ),
    /**
     * HTTP/2 to endpoints reached over TLS (ALPN h2), HTTP/1.1 to plaintext ones: how a mesh carries
     * an app's HTTP/1.1 as HTTP/2 between proxies while endpoints without a sidecar get HTTP/1.1.
     */
    auto_config: Type.Optional(
      Message(
        { http_protocol_options: Type.Optional(Http1ProtocolOptions), http2_protocol_options: Type.Optional(Http2ProtocolOptions) },
        { unsupported: { ...HTTP3, alternate_protocols_cache_options: '' } },
      ),
    ),
  },
  {
    unsupported: {
      common_http_protocol_options: UPSTREAM_COMMON,
      use_downstream_protocol_config: 'name the upstream protocol with explicit_http_config',
      upstream_http_protocol_options: '',
      http_filters: '',
      header_validation_config: '',
    },
    oneofs: [{ fields: ['explicit_http_config', 'use_downstream_protocol_config', 'auto_config'], required: true }],
  },
);

/**
 * The retry_budget defaults (Weft applies this budget when a cluster sets neither it nor
 * max_retries): Envoy's 20 %, and a floor of 10 concurrent retries where Envoy has 3 — Linkerd's
 * budget keeps 10 retries/s whatever the load, and 3 retries each holding its 0–25 ms back-off
 * refused thousands of retries a crashed host needed at low concurrency (docs/retries.md).
 */
export const DEFAULT_RETRY_BUDGET_PERCENT = 20;
export const DEFAULT_MIN_RETRY_CONCURRENCY = 10;

export const RetryBudget = Message({
  budget_percent: Type.Optional(Message({ value: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) })),
  min_retry_concurrency: Type.Optional(UInt32()),
});

/** circuit_breakers.thresholds[]: one entry per routing priority; Weft routes everything at DEFAULT. */
export const Thresholds = Message(
  {
    priority: Type.Optional(Enum(['DEFAULT', 'HIGH'], { unsupported: ['HIGH'], default: 'DEFAULT' })),
    max_connections: Type.Optional(UInt32({ default: DEFAULT_CIRCUIT_LIMIT })),
    max_pending_requests: Type.Optional(UInt32({ default: DEFAULT_CIRCUIT_LIMIT })),
    max_requests: Type.Optional(UInt32({ default: DEFAULT_CIRCUIT_LIMIT })),
    /** Concurrent retries allowed to the cluster when no retry_budget is set. */
    max_retries: Type.Optional(UInt32()),
    retry_budget: Type.Optional(RetryBudget),
  },
  { unsupported: { track_remaining: 'the limits and their use are on /clusters', max_connection_pools: '' } },
);

export const CircuitBreakers = Message(
  { thresholds: Type.Optional(Type.Array(Thresholds)) },
  { unsupported: { per_host_thresholds: 'use cluster-wide thresholds' } },
);

const Percent = (fallback: number) => Type.Optional(UInt32({ maximum: 100, default: fallback }));

/** Envoy's outlier-detection defaults (outlier_detection.proto). */
export const OUTLIER_DEFAULTS = {
  interval: '10s',
  base_ejection_time: '30s',
  max_ejection_time: '300s',
  max_ejection_percent: 10,
  consecutive_5xx: 5,
  consecutive_gateway_failure: 5,
  consecutive_local_origin_failure: 5,
  success_rate_minimum_hosts: 5,
  success_rate_request_volume: 100,
  success_rate_stdev_factor: 1900,
  failure_percentage_threshold: 85,
  failure_percentage_minimum_hosts: 5,
  failure_percentage_request_volume: 50,
} as const;

export const OutlierDetection = Message(
  {
    consecutive_5xx: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.consecutive_5xx })),
    interval: Type.Optional(Duration({ positive: true, default: OUTLIER_DEFAULTS.interval })),
    base_ejection_time: Type.Optional(Duration({ positive: true, default: OUTLIER_DEFAULTS.base_ejection_time })),
    max_ejection_percent: Percent(OUTLIER_DEFAULTS.max_ejection_percent),
    enforcing_consecutive_5xx: Percent(100),
    enforcing_success_rate: Percent(100),
    success_rate_minimum_hosts: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.success_rate_minimum_hosts })),
    success_rate_request_volume: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.success_rate_request_volume })),
    success_rate_stdev_factor: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.success_rate_stdev_factor })),
    consecutive_gateway_failure: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.consecutive_gateway_failure })),
    enforcing_consecutive_gateway_failure: Percent(0),
    split_external_local_origin_errors: Type.Optional(Bool({ default: false })),
    consecutive_local_origin_failure: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.consecutive_local_origin_failure })),
    enforcing_consecutive_local_origin_failure: Percent(100),
    enforcing_local_origin_success_rate: Percent(100),
    failure_percentage_threshold: Percent(OUTLIER_DEFAULTS.failure_percentage_threshold),
    enforcing_failure_percentage: Percent(0),
    enforcing_failure_percentage_local_origin: Percent(0),
    failure_percentage_minimum_hosts: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.failure_percentage_minimum_hosts })),
    failure_percentage_request_volume: Type.Optional(UInt32({ default: OUTLIER_DEFAULTS.failure_percentage_request_volume })),
    // No filled-in default: unset means the larger of 300 s and base_ejection_time (Envoy).
    max_ejection_time: Type.Optional(Duration({ positive: true })),
    max_ejection_time_jitter: Type.Optional(Duration({ default: '0s' })),
    always_eject_one_host: Type.Optional(Bool({ default: false })),
  },
  {
    unsupported: {
      successful_active_health_check_uneject_host: 'active health checking is not supported',
      monitors: 'custom outlier-detection monitors are not supported',
    },
  },
);

/** Where an EDS cluster's endpoints come from: a ClusterLoadAssignment named `service_name` (default: the cluster's name). */
export const EdsClusterConfig = Message({ eds_config: Type.Optional(ConfigSource), service_name: Type.Optional(Str()) });

/**
 * A transport socket for the endpoints whose metadata under `envoy.transport_socket_match` holds
 * every key/value of `match` (first match wins; the rest use `transport_socket`). Istio's
 * auto-mTLS shape: TLS to endpoints with a sidecar, plaintext to the others.
 */
export const TransportSocketMatch = Message(
  {
    name: Str({ minLength: 1 }),
    match: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    transport_socket: UpstreamTransportSocket,
  },
);

export const Cluster = Message(
  {
    name: Str({ minLength: 1 }),
    type: Type.Optional(
      Enum(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'], {
        unsupported: ['LOGICAL_DNS', 'ORIGINAL_DST'],
        default: 'STATIC',
      }),
    ),
    connect_timeout: Type.Optional(Duration({ positive: true, default: DEFAULT_CONNECT_TIMEOUT })),
    /** No default here: with neither lb_policy nor load_balancing_policy Weft balances with peak-EWMA (Envoy: ROUND_ROBIN). */
    lb_policy: Type.Optional(
      Enum(['ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG'], {
        unsupported: ['MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG'],
      }),
    ),
    ring_hash_lb_config: Type.Optional(RingHashLbConfig),
    least_request_lb_config: Type.Optional(LeastRequestLbConfig),
    load_balancing_policy: Type.Optional(LoadBalancingPolicy),
    load_assignment: Type.Optional(ClusterLoadAssignment),
    eds_cluster_config: Type.Optional(EdsClusterConfig),
    dns_lookup_family: Type.Optional(Enum(['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'], { default: 'AUTO' })),
    dns_refresh_rate: Type.Optional(Duration({ positive: true, default: DEFAULT_DNS_REFRESH_RATE })),
    typed_extension_protocol_options: Type.Optional(
      Message(
        { [HTTP_PROTOCOL_OPTIONS_KEY]: Type.Optional(Any([UpstreamHttpProtocolOptions])) },
        { unsupported: { 'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions': '' } },
      ),
    ),
    /** Legacy spelling of "speak HTTP/2 upstream"; Envoy refuses it next to the typed options. */
    http2_protocol_options: Type.Optional(Http2ProtocolOptions),
    circuit_breakers: Type.Optional(CircuitBreakers),
    outlier_detection: Type.Optional(OutlierDetection),
    transport_socket: Type.Optional(UpstreamTransportSocket),
    transport_socket_matches: Type.Optional(Type.Array(TransportSocketMatch)),
  },
  {
    unsupported: {
      cluster_type: '',
      per_connection_buffer_limit_bytes: 'arrives with the resilience work',
      alt_stat_name: '',
      health_checks: 'active health checking is not supported',
      max_requests_per_connection: '',
      upstream_http_protocol_options: '',
      common_http_protocol_options: UPSTREAM_COMMON,
      http_protocol_options: `set it inside typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS_KEY}"]`,
      dns_jitter: '',
      dns_failure_refresh_rate: '',
      respect_dns_ttl: '',
      dns_resolvers: '',
      use_tcp_for_dns_lookups: '',
      dns_resolution_config: '',
      typed_dns_resolver_config: '',
      wait_for_warm_on_init: '',
      cleanup_interval: '',
      upstream_bind_config: '',
      lb_subset_config: '',
      maglev_lb_config: '',
      original_dst_lb_config: '',
      round_robin_lb_config: 'its only field is slow_start_config, which is not supported',
      common_lb_config: '',
      metadata: '',
      protocol_selection: 'use typed_extension_protocol_options',
      upstream_connection_options: '',
      close_connections_on_host_health_failure: '',
      ignore_health_on_host_removal: '',
      filters: '',
      lrs_server: '',
      lrs_report_endpoint_metrics: '',
      track_timeout_budgets: '',
      upstream_config: '',
      track_cluster_stats: '',
      preconnect_policy: '',
      connection_pool_per_downstream_connection: '',
    },
    oneofs: [
      { fields: ['type', 'cluster_type'] },
      { fields: ['ring_hash_lb_config', 'maglev_lb_config', 'original_dst_lb_config', 'least_request_lb_config', 'round_robin_lb_config'] },
    ],
  },
);

export type UpstreamHttpProtocolOptions = Static<typeof UpstreamHttpProtocolOptions>;
export type TransportSocketMatch = Static<typeof TransportSocketMatch>;
export type RetryBudget = Static<typeof RetryBudget>;
export type Thresholds = Static<typeof Thresholds>;
export type CircuitBreakers = Static<typeof CircuitBreakers>;
export type OutlierDetection = Static<typeof OutlierDetection>;
export type Cluster = Static<typeof Cluster>;
export type EdsClusterConfig = Static<typeof EdsClusterConfig>;
