// config.route.v3: RouteConfiguration, VirtualHost, Route and the three route actions.

import type { Static } from 'typebox';
import { DataSource, HeaderValueOption, RegexMatchAndSubstitute, RuntimeFractionalPercent } from './core.ts';
import { HashPolicy } from './load-balancing.ts';
import { TypedPerFilterConfig } from './filter-config.ts';
import { RouteMatch } from './route-match.ts';
import { RetryPolicy } from './retry-policy.ts';
import { Bool, Duration, Enum, Message, Str, Type, UInt32 } from './schema.ts';

/** Envoy's default upstream timeout for a route. */
export const DEFAULT_ROUTE_TIMEOUT = '15s';
/** Envoy's default cap on a direct response body. */
export const DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES = 4096;

const headerMutations = () => ({
  request_headers_to_add: Type.Optional(Type.Array(HeaderValueOption, { maxItems: 1000 })),
  request_headers_to_remove: Type.Optional(Type.Array(Str({ minLength: 1 }))),
  response_headers_to_add: Type.Optional(Type.Array(HeaderValueOption, { maxItems: 1000 })),
  response_headers_to_remove: Type.Optional(Type.Array(Str({ minLength: 1 }))),
});

export const ClusterWeight = Message(
  { name: Str({ minLength: 1 }), weight: Type.Optional(UInt32()), ...headerMutations() },
  {
    unsupported: {
      cluster_header: 'name the cluster',
      metadata_match: 'subset load balancing is not supported',
      typed_per_filter_config: 'set typed_per_filter_config on the route',
      host_rewrite_literal: 'set host_rewrite_literal on the route action',
    },
  },
);

export const WeightedCluster = Message(
  {
    clusters: Type.Array(ClusterWeight, { minItems: 1 }),
    /** Deprecated in Envoy; when set, the weights must add up to it. */
    total_weight: Type.Optional(UInt32()),
  },
  { unsupported: { runtime_key_prefix: 'Weft has no runtime layer', header_name: '', use_hash_policy: '' } },
);

export const RequestMirrorPolicy = Message(
  { cluster: Str({ minLength: 1 }), runtime_fraction: Type.Optional(RuntimeFractionalPercent) },
  { unsupported: { cluster_header: 'name the cluster', trace_sampled: '', disable_shadow_host_suffix_append: '' } },
);

/** config.route.v3.RouteAction.MaxStreamDuration. */
export const MaxStreamDuration = Message({
  max_stream_duration: Type.Optional(Duration()),
  grpc_timeout_header_max: Type.Optional(Duration()),
  grpc_timeout_header_offset: Type.Optional(Duration()),
});

export const RouteAction = Message(
  {
    cluster: Type.Optional(Str({ minLength: 1 })),
    weighted_clusters: Type.Optional(WeightedCluster),
    prefix_rewrite: Type.Optional(Str()),
    regex_rewrite: Type.Optional(RegexMatchAndSubstitute),
    host_rewrite_literal: Type.Optional(Str()),
    timeout: Type.Optional(Duration({ default: DEFAULT_ROUTE_TIMEOUT })),
    request_mirror_policies: Type.Optional(Type.Array(RequestMirrorPolicy)),
    hash_policy: Type.Optional(Type.Array(HashPolicy)),
    idle_timeout: Type.Optional(Duration()),
    retry_policy: Type.Optional(RetryPolicy),
    max_stream_duration: Type.Optional(MaxStreamDuration),
  },
  {
    unsupported: {
      cluster_header: 'name the cluster or use weighted_clusters',
      cluster_specifier_plugin: '',
      inline_cluster_specifier_plugin: '',
      cluster_not_found_response_code: '',
      metadata_match: 'subset load balancing is not supported',
      path_rewrite_policy: 'use prefix_rewrite or regex_rewrite',
      auto_host_rewrite: 'use host_rewrite_literal',
      host_rewrite_header: 'use host_rewrite_literal',
      host_rewrite_path_regex: 'use host_rewrite_literal',
      append_x_forwarded_host: '',
      early_data_policy: '',
      retry_policy_typed_config: 'use retry_policy',
      priority: '',
      rate_limits: '',
      include_vh_rate_limits: '',
      cors: '',
      max_grpc_timeout: 'deprecated in Envoy: use max_stream_duration.grpc_timeout_header_max',
      grpc_timeout_offset: 'deprecated in Envoy: use max_stream_duration.grpc_timeout_header_offset',
      upgrade_configs: 'configure upgrades on the HttpConnectionManager',
      internal_redirect_policy: '',
      internal_redirect_action: '',
      max_internal_redirects: '',
      hedge_policy: '',
    },
    oneofs: [
      {
        fields: ['cluster', 'weighted_clusters', 'cluster_header', 'cluster_specifier_plugin', 'inline_cluster_specifier_plugin'],
        required: true,
      },
      { fields: ['prefix_rewrite', 'regex_rewrite', 'path_rewrite_policy'] },
      { fields: ['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'] },
    ],
  },
);

export const REDIRECT_RESPONSE_CODES = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
} as const;

export const RedirectAction = Message(
  {
    https_redirect: Type.Optional(Bool()),
    scheme_redirect: Type.Optional(Str()),
    host_redirect: Type.Optional(Str()),
    port_redirect: Type.Optional(UInt32({ maximum: 65535 })),
    path_redirect: Type.Optional(Str()),
    prefix_rewrite: Type.Optional(Str()),
    regex_rewrite: Type.Optional(RegexMatchAndSubstitute),
    response_code: Type.Optional(
      Enum(['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'], {
        default: 'MOVED_PERMANENTLY',
      }),
    ),
    strip_query: Type.Optional(Bool()),
  },
  {
    oneofs: [
      { fields: ['https_redirect', 'scheme_redirect'] },
      { fields: ['path_redirect', 'prefix_rewrite', 'regex_rewrite'] },
    ],
  },
);

export const DirectResponseAction = Message({
  status: UInt32({ minimum: 200, maximum: 599 }),
  body: Type.Optional(DataSource),
});

export const Route = Message(
  {
    name: Type.Optional(Str()),
    match: RouteMatch,
    route: Type.Optional(RouteAction),
    redirect: Type.Optional(RedirectAction),
    direct_response: Type.Optional(DirectResponseAction),
    ...headerMutations(),
    typed_per_filter_config: Type.Optional(TypedPerFilterConfig),
    /** Weft: the retry buffer of a request body (default 64 KiB); a larger body is not retried. */
    per_request_buffer_limit_bytes: Type.Optional(UInt32()),
  },
  {
    unsupported: {
      filter_action: '',
      non_forwarding_action: '',
      metadata: '',
      decorator: '',
      tracing: '',
      stat_prefix: '',
    },
    oneofs: [{ fields: ['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'], required: true }],
  },
);

export const VirtualHost = Message(
  {
    name: Str({ minLength: 1 }),
    domains: Type.Array(Str(), { minItems: 1 }),
    routes: Type.Optional(Type.Array(Route)),
    ...headerMutations(),
    typed_per_filter_config: Type.Optional(TypedPerFilterConfig),
    /** Used by routes that set no retry_policy of their own (Envoy: the route's replaces it whole). */
    retry_policy: Type.Optional(RetryPolicy),
    per_request_buffer_limit_bytes: Type.Optional(UInt32()),
  },
  {
    unsupported: {
      matcher: 'use routes',
      require_tls: '',
      virtual_clusters: '',
      rate_limits: '',
      cors: '',
      include_request_attempt_count: '',
      include_attempt_count_in_response: '',
      retry_policy_typed_config: 'use retry_policy',
      hedge_policy: '',
      include_is_timeout_retry_header: '',
      request_mirror_policies: 'set request_mirror_policies on each route action',
      metadata: '',
    },
  },
);

export const RouteConfiguration = Message(
  {
    name: Type.Optional(Str()),
    virtual_hosts: Type.Optional(Type.Array(VirtualHost)),
    ...headerMutations(),
    most_specific_header_mutations_wins: Type.Optional(Bool()),
    /** Absent means "true" for a static (inline) route table and "false" for RDS, as in Envoy. */
    validate_clusters: Type.Optional(Bool()),
    max_direct_response_body_size_bytes: Type.Optional(UInt32()),
    ignore_port_in_host_matching: Type.Optional(Bool()),
    typed_per_filter_config: Type.Optional(TypedPerFilterConfig),
  },
  {
    unsupported: {
      vhds: '',
      internal_only_headers: '',
      cluster_specifier_plugins: '',
      request_mirror_policies: 'set request_mirror_policies on each route action',
      vhost_header: '',
      ignore_path_parameters_in_path_matching: '',
      metadata: '',
    },
  },
);

export type ClusterWeight = Static<typeof ClusterWeight>;
export type WeightedCluster = Static<typeof WeightedCluster>;
export type RequestMirrorPolicy = Static<typeof RequestMirrorPolicy>;
export type MaxStreamDuration = Static<typeof MaxStreamDuration>;
export type RouteAction = Static<typeof RouteAction>;
export type RedirectAction = Static<typeof RedirectAction>;
export type DirectResponseAction = Static<typeof DirectResponseAction>;
export type Route = Static<typeof Route>;
export type VirtualHost = Static<typeof VirtualHost>;
export type RouteConfiguration = Static<typeof RouteConfiguration>;
