// extensions.filters.network.tcp_proxy.v3.TcpProxy: the L4 network filter.

import type { Static } from 'typebox';
import { Duration, Message, Str, Type, UInt32 } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

/** Envoy's default: an idle TCP proxy connection is closed after one hour ("0s" disables). */
export const DEFAULT_TCP_IDLE_TIMEOUT = '3600s';

export const TcpClusterWeight = Message(
  { name: Str({ minLength: 1 }), weight: UInt32({ minimum: 1 }) },
  { unsupported: { metadata_match: 'subset load balancing is not supported' } },
);

export const TcpWeightedCluster = Message({ clusters: Type.Array(TcpClusterWeight, { minItems: 1 }) });

export const TcpProxy = Message(
  {
    '@type': Type.Literal(TYPE_URLS.tcpProxy),
    stat_prefix: Str({ minLength: 1 }),
    cluster: Type.Optional(Str({ minLength: 1 })),
    weighted_clusters: Type.Optional(TcpWeightedCluster),
    idle_timeout: Type.Optional(Duration({ default: DEFAULT_TCP_IDLE_TIMEOUT })),
  },
  {
    unsupported: [
      'on_demand',
      'metadata_match',
      'downstream_idle_timeout',
      'upstream_idle_timeout',
      'access_log',
      'max_connect_attempts',
      'hash_policy',
      'tunneling_config',
      'max_downstream_connection_duration',
      'access_log_flush_interval',
      'flush_access_log_on_connected',
      'access_log_options',
      'backoff_options',
      'proxy_protocol_tlvs',
    ],
    oneofs: [{ fields: ['cluster', 'weighted_clusters'], required: true }],
  },
);

export type TcpClusterWeight = Static<typeof TcpClusterWeight>;
export type TcpWeightedCluster = Static<typeof TcpWeightedCluster>;
export type TcpProxy = Static<typeof TcpProxy>;
