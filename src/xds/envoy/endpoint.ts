// config.endpoint.v3: ClusterLoadAssignment and its localities and endpoints.

import type { Static } from 'typebox';
import { Address, Locality } from './core.ts';
import { Enum, Message, Str, Type, UInt32 } from './schema.ts';

export const Endpoint = Message(
  { address: Address },
  { unsupported: { health_check_config: 'active health checking is not supported', hostname: '', additional_addresses: '' } },
);

/**
 * config.core.v3.Metadata. Read: `envoy.transport_socket_match` (the cluster's
 * transport_socket_matches) and `weft.dev` → `identity`, the SPIFFE ID the endpoint's server must present.
 */
/** The filter_metadata key transport_socket_matches read (Envoy's). */
export const TRANSPORT_SOCKET_MATCH_METADATA = 'envoy.transport_socket_match';
/** Weft's filter_metadata key: `identity`, the SPIFFE ID an endpoint's server must present. */
export const WEFT_ENDPOINT_METADATA = 'weft.dev';

export const Metadata = Message(
  { filter_metadata: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))) },
  { unsupported: { typed_filter_metadata: 'use filter_metadata' } },
);

export const LbEndpoint = Message(
  {
    endpoint: Endpoint,
    metadata: Type.Optional(Metadata),
    health_status: Type.Optional(Enum(['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'])),
    load_balancing_weight: Type.Optional(UInt32({ minimum: 1 })),
  },
  { unsupported: { endpoint_name: 'inline the endpoint' } },
);

export const LocalityLbEndpoints = Message(
  {
    locality: Type.Optional(Locality),
    lb_endpoints: Type.Optional(Type.Array(LbEndpoint)),
  },
  {
    unsupported: {
      priority: 'priority-based failover arrives with the resilience work',
      load_balancing_weight: 'locality weighting arrives with the resilience work',
      metadata: '',
      leds_cluster_locality_config: '',
      proximity: '',
    },
  },
);

export const ClusterLoadAssignment = Message(
  {
    cluster_name: Str({ minLength: 1 }),
    endpoints: Type.Optional(Type.Array(LocalityLbEndpoints)),
  },
  { unsupported: { named_endpoints: '', policy: '' } },
);

export type Endpoint = Static<typeof Endpoint>;
export type Metadata = Static<typeof Metadata>;
export type LbEndpoint = Static<typeof LbEndpoint>;
export type LocalityLbEndpoints = Static<typeof LocalityLbEndpoints>;
export type ClusterLoadAssignment = Static<typeof ClusterLoadAssignment>;
