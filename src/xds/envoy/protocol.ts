// config.core.v3 protocol options shared by listeners (HttpConnectionManager) and clusters.

import type { Static } from 'typebox';
import { Duration, Message, Type, UInt32 } from './schema.ts';

/** Envoy's default idle timeout for HTTP connections when none is configured. */
export const DEFAULT_HTTP_IDLE_TIMEOUT = '3600s';
/** Envoy's default limit on request headers. */
export const DEFAULT_MAX_HEADERS_COUNT = 100;

export const HttpProtocolOptions = Message(
  {
    idle_timeout: Type.Optional(Duration()),
    max_headers_count: Type.Optional(UInt32({ minimum: 1 })),
  },
  {
    unsupported: {
      max_stream_duration: 'arrives with the resilience work',
      max_connection_duration: '',
      max_response_headers_kb: '',
      headers_with_underscores_action: '',
      max_requests_per_connection: '',
    },
  },
);

/** HTTP/1.1 options: accepted only empty — `{}` selects HTTP/1.1 in explicit_http_config. */
export const Http1ProtocolOptions = Message(
  {},
  {
    unsupported: [
      'allow_absolute_url',
      'accept_http_10',
      'default_host_for_http_10',
      'header_key_format',
      'enable_trailers',
      'allow_chunked_length',
      'override_stream_error_on_invalid_http_message',
      'send_fully_qualified_url',
      'use_balsa_parser',
      'allow_custom_methods',
      'ignore_http_11_upgrade',
    ],
  },
);

const H2_FIXED = 'HTTP/2 settings are fixed for now';

/** HTTP/2 options: accepted only empty — `{}` is how a cluster says "speak HTTP/2 upstream". */
export const Http2ProtocolOptions = Message(
  {},
  {
    unsupported: {
      hpack_table_size: H2_FIXED,
      max_concurrent_streams: H2_FIXED,
      initial_stream_window_size: H2_FIXED,
      initial_connection_window_size: H2_FIXED,
      allow_connect: '',
      allow_metadata: '',
      max_outbound_frames: '',
      max_outbound_control_frames: '',
      max_consecutive_inbound_frames_with_empty_payload: '',
      max_inbound_priority_frames_per_stream: '',
      max_inbound_window_update_frames_per_data_frame_sent: '',
      stream_error_on_invalid_http_messaging: '',
      override_stream_error_on_invalid_http_message: '',
      custom_settings_parameters: '',
      connection_keepalive: '',
      use_oghttp2_codec: '',
      max_metadata_size: '',
    },
  },
);

export type HttpProtocolOptions = Static<typeof HttpProtocolOptions>;
export type Http1ProtocolOptions = Static<typeof Http1ProtocolOptions>;
export type Http2ProtocolOptions = Static<typeof Http2ProtocolOptions>;
