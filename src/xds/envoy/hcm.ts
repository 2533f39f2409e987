// extensions.filters.network.http_connection_manager.v3: the HTTP network filter, its HTTP filter list
// (fault, local rate limit, RBAC, and the router last) and upgrades.

import type { Static } from 'typebox';
import { AccessLog } from './access-log.ts';
import { HTTPFault } from './fault.ts';
import { LocalRateLimit } from './local-ratelimit.ts';
import { RBAC } from './rbac.ts';
import { ConfigSource } from './config-source.ts';
import { HttpProtocolOptions } from './protocol.ts';
import { RouteConfiguration } from './route.ts';
import { Any, Bool, Duration, Enum, Message, Str, Type, UInt32 } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

export const Router = Message(
  { '@type': Type.Literal(TYPE_URLS.router) },
  {
    unsupported: [
      'dynamic_stats',
      'start_child_span',
      'upstream_log',
      'upstream_log_options',
      'suppress_envoy_headers',
      'strict_check_headers',
      'respect_expected_rq_timeout',
      'suppress_grpc_request_failure_code_stats',
      'upstream_http_filters',
    ],
  },
);

export const HttpFilter = Message(
  {
    name: Str({ minLength: 1 }),
    /** Required unless is_optional drops a type Weft does not know. */
    typed_config: Type.Optional(Any([HTTPFault, LocalRateLimit, RBAC, Router])),
    /** A filter of a type Weft does not know is then left out instead of refused. */
    is_optional: Type.Optional(Bool()),
    /** Off unless a route or virtual host enables it through typed_per_filter_config. */
    disabled: Type.Optional(Bool()),
  },
  {
    unsupported: { config_discovery: 'inline the filter as typed_config' },
    optionalAny: { field: 'typed_config', flag: 'is_optional' },
  },
);

/** Route table by name from RDS (over the ADS stream). */
export const Rds = Message({ route_config_name: Str({ minLength: 1 }), config_source: ConfigSource });

export const UpgradeConfig = Message(
  { upgrade_type: Str({ minLength: 1 }), enabled: Type.Optional(Bool()) },
  { unsupported: { filters: '' } },
);

const RESILIENCE = 'arrives with the resilience work';
const CONTROL_PLANE = 'arrives with the control-plane work';
const PATH_NORMALIZATION = 'use normalize_path, merge_slashes and path_with_escaped_slashes_action';

export const HttpConnectionManager = Message(
  {
    '@type': Type.Literal(TYPE_URLS.httpConnectionManager),
    stat_prefix: Str({ minLength: 1 }),
    codec_type: Type.Optional(Enum(['AUTO', 'HTTP1', 'HTTP2', 'HTTP3'], { unsupported: ['HTTP3'], default: 'AUTO' })),
    route_config: Type.Optional(RouteConfiguration),
    rds: Type.Optional(Rds),
    http_filters: Type.Optional(Type.Array(HttpFilter)),
    request_headers_timeout: Type.Optional(Duration()),
    common_http_protocol_options: Type.Optional(HttpProtocolOptions),
    max_request_headers_kb: Type.Optional(UInt32({ minimum: 1, maximum: 8192, default: 60 })),
    skip_xff_append: Type.Optional(Bool()),
    generate_request_id: Type.Optional(Bool({ default: true })),
    access_log: Type.Optional(Type.Array(AccessLog)),
    upgrade_configs: Type.Optional(Type.Array(UpgradeConfig)),
    /** RFC 3986 normalization of the path before filters and routing (see docs/authorization.md). */
    normalize_path: Type.Optional(Bool({ default: false })),
    merge_slashes: Type.Optional(Bool({ default: false })),
    path_with_escaped_slashes_action: Type.Optional(Enum(
      ['IMPLEMENTATION_SPECIFIC_DEFAULT', 'KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD'],
      { default: 'IMPLEMENTATION_SPECIFIC_DEFAULT' },
    )),
  },
  {
    unsupported: {
      request_timeout: RESILIENCE,
      stream_idle_timeout: RESILIENCE,
      drain_timeout: 'Weft drains by --drain-time-s',
      use_remote_address: CONTROL_PLANE,
      xff_num_trusted_hops: CONTROL_PLANE,
      server_name: 'Weft does not set the server header',
      http2_protocol_options: 'downstream HTTP/2 settings are fixed for now; codec_type AUTO or HTTP2 selects HTTP/2',
      scoped_routes: 'inline the table as route_config',
      add_user_agent: '',
      tracing: 'tracing arrives in a later release',
      http1_safe_max_connection_duration: '',
      http_protocol_options: '',
      http3_protocol_options: '',
      server_header_transformation: '',
      scheme_header_transformation: '',
      delayed_close_timeout: '',
      access_log_flush_interval: '',
      flush_access_log_on_new_request: '',
      access_log_options: '',
      original_ip_detection_extensions: CONTROL_PLANE,
      early_header_mutation_extensions: '',
      internal_address_config: '',
      via: '',
      preserve_external_request_id: '',
      always_set_request_id_in_response: '',
      forward_client_cert_details: '',
      set_current_client_cert_details: '',
      proxy_100_continue: '',
      represent_ipv4_remote_address_as_ipv4_mapped_ipv6: '',
      request_id_extension: '',
      local_reply_config: '',
      strip_matching_host_port: 'set ignore_port_in_host_matching on the route_config',
      strip_any_host_port: 'set ignore_port_in_host_matching on the route_config',
      stream_error_on_invalid_http_message: '',
      path_normalization_options: PATH_NORMALIZATION,
      strip_trailing_host_dot: '',
      proxy_status_config: '',
      typed_header_validation_config: '',
      append_x_forwarded_port: '',
      append_local_overload: '',
      add_proxy_protocol_connection_state: '',
    },
    oneofs: [{ fields: ['route_config', 'rds', 'scoped_routes'], required: true }],
  },
);

export type Router = Static<typeof Router>;
export type HttpFilter = Static<typeof HttpFilter>;
export type UpgradeConfig = Static<typeof UpgradeConfig>;
export type Rds = Static<typeof Rds>;
export type HttpConnectionManager = Static<typeof HttpConnectionManager>;
