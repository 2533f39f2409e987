// config.cluster.v3.Cluster, its upstream HTTP protocol options, and the circuit-breaker and
// outlier-detection messages (modelled for the next release, refused until then).

import type { Static } from 'typebox';
import { ClusterLoadAssignment } from './endpoint.ts';
import { Http1ProtocolOptions, Http2ProtocolOptions } from './protocol.ts';
import { Any, Bool, Duration, Enum, Message, Refused, Type, UInt32, Str } from './schema.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, TYPE_URLS } from './type-urls.ts';

export const DEFAULT_CONNECT_TIMEOUT = '5s';
export const DEFAULT_DNS_REFRESH_RATE = '5s';

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
  },
  {
    unsupported: {
      common_http_protocol_options: UPSTREAM_COMMON,
      use_downstream_protocol_config: 'name the upstream protocol with explicit_http_config',
      upstream_http_protocol_options: '',
      auto_config: 'use explicit_http_config',
      http_filters: '',
      header_validation_config: '',
    },
    oneofs: [{ fields: ['explicit_http_config', 'use_downstream_protocol_config', 'auto_config'], required: true }],
  },
);

/** Envoy's retry_budget defaults (Weft applies this budget when a cluster sets neither it nor max_retries). */
export const DEFAULT_RETRY_BUDGET_PERCENT = 20;
export const DEFAULT_MIN_RETRY_CONCURRENCY = 3;

const CIRCUIT_BREAKING = 'arrives with circuit breaking';

export const RetryBudget = Message({
  budget_percent: Type.Optional(Message({ value: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) })),
  min_retry_concurrency: Type.Optional(UInt32()),
});

export const Thresholds = Message({
  priority: Type.Optional(Enum(['DEFAULT', 'HIGH'], { default: 'DEFAULT' })),
  max_connections: Type.Optional(Refused(UInt32(), CIRCUIT_BREAKING)),
  max_pending_requests: Type.Optional(Refused(UInt32(), CIRCUIT_BREAKING)),
  max_requests: Type.Optional(Refused(UInt32(), CIRCUIT_BREAKING)),
  /** Concurrent retries allowed to the cluster when no retry_budget is set. */
  max_retries: Type.Optional(UInt32()),
  retry_budget: Type.Optional(RetryBudget),
  track_remaining: Type.Optional(Refused(Bool(), CIRCUIT_BREAKING)),
  max_connection_pools: Type.Optional(Refused(UInt32(), CIRCUIT_BREAKING)),
});

export const CircuitBreakers = Message({
  thresholds: Type.Optional(Type.Array(Thresholds)),
  per_host_thresholds: Type.Optional(Refused(Type.Array(Thresholds), CIRCUIT_BREAKING)),
});

const Percent = () => Type.Optional(UInt32({ maximum: 100 }));

export const OutlierDetection = Message({
  consecutive_5xx: Type.Optional(UInt32()),
  interval: Type.Optional(Duration({ positive: true })),
  base_ejection_time: Type.Optional(Duration({ positive: true })),
  max_ejection_percent: Percent(),
  enforcing_consecutive_5xx: Percent(),
  enforcing_success_rate: Percent(),
  success_rate_minimum_hosts: Type.Optional(UInt32()),
  success_rate_request_volume: Type.Optional(UInt32()),
  success_rate_stdev_factor: Type.Optional(UInt32()),
  consecutive_gateway_failure: Type.Optional(UInt32()),
  enforcing_consecutive_gateway_failure: Percent(),
  split_external_local_origin_errors: Type.Optional(Bool()),
  consecutive_local_origin_failure: Type.Optional(UInt32()),
  failure_percentage_threshold: Percent(),
  enforcing_failure_percentage: Percent(),
  failure_percentage_minimum_hosts: Type.Optional(UInt32()),
  failure_percentage_request_volume: Type.Optional(UInt32()),
  max_ejection_time: Type.Optional(Duration({ positive: true })),
  max_ejection_time_jitter: Type.Optional(Duration()),
  always_eject_one_host: Type.Optional(Bool()),
});

const NEXT_RELEASE = 'it arrives with the next release';

export const Cluster = Message(
  {
    name: Str({ minLength: 1 }),
    type: Type.Optional(
      Enum(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'], {
        unsupported: ['LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'],
        default: 'STATIC',
      }),
    ),
    connect_timeout: Type.Optional(Duration({ positive: true, default: DEFAULT_CONNECT_TIMEOUT })),
    lb_policy: Type.Optional(
      Enum(['ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG'], {
        unsupported: ['LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG'],
        default: 'ROUND_ROBIN',
      }),
    ),
    load_assignment: Type.Optional(ClusterLoadAssignment),
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
    outlier_detection: Type.Optional(Refused(OutlierDetection, NEXT_RELEASE)),
  },
  {
    unsupported: {
      cluster_type: '',
      per_connection_buffer_limit_bytes: 'arrives with the resilience work',
      eds_cluster_config: 'EDS arrives with dynamic_resources',
      transport_socket_matches: '',
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
      ring_hash_lb_config: '',
      maglev_lb_config: '',
      original_dst_lb_config: '',
      least_request_lb_config: '',
      round_robin_lb_config: '',
      common_lb_config: '',
      transport_socket: 'TLS arrives with workload identity in a later release',
      metadata: '',
      protocol_selection: 'use typed_extension_protocol_options',
      upstream_connection_options: '',
      close_connections_on_host_health_failure: '',
      ignore_health_on_host_removal: '',
      filters: '',
      load_balancing_policy: 'use lb_policy',
      lrs_server: '',
      lrs_report_endpoint_metrics: '',
      track_timeout_budgets: '',
      upstream_config: '',
      track_cluster_stats: '',
      preconnect_policy: '',
      connection_pool_per_downstream_connection: '',
    },
    oneofs: [{ fields: ['type', 'cluster_type'] }],
  },
);

export type UpstreamHttpProtocolOptions = Static<typeof UpstreamHttpProtocolOptions>;
export type RetryBudget = Static<typeof RetryBudget>;
export type Thresholds = Static<typeof Thresholds>;
export type CircuitBreakers = Static<typeof CircuitBreakers>;
export type OutlierDetection = Static<typeof OutlierDetection>;
export type Cluster = Static<typeof Cluster>;
