// Load-balancing config: the cluster's legacy lb_config messages (ring_hash_lb_config,
// least_request_lb_config), its `load_balancing_policy` with Envoy's typed policies and Weft's
// peak-EWMA (an xds.type.v3.TypedStruct, as extensions Envoy lacks travel), and the route's hash_policy.

import type { Static } from 'typebox';
import { Bool, Duration, Enum, Message, Str, Type, UInt32, Any } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

/** Envoy's bounds (ring_hash.proto). */
export const DEFAULT_MINIMUM_RING_SIZE = 1024;
export const MAX_RING_SIZE = 8 * 1024 * 1024;
export const DEFAULT_CHOICE_COUNT = 2;
/** Weft's peak-EWMA defaults: linkerd2-proxy's (EWMA_DECAY, EWMA_DEFAULT_RTT). */
export const DEFAULT_EWMA_DECAY_TIME = '10s';
export const DEFAULT_EWMA_RTT = '0.030s';

const SLOW_START = 'slow start is not supported';
const LOCALITY = 'locality-weighted balancing is not supported';

const RingSize = (fallback: number) => Type.Optional(UInt32({ minimum: 1, maximum: MAX_RING_SIZE, default: fallback }));

/** config.core.v3.RuntimeDouble; Weft has no runtime layer, so `runtime_key` always falls back to `default_value`. */
export const RuntimeDouble = Message({
  default_value: Type.Number({ minimum: 0 }),
  runtime_key: Type.Optional(Str()),
});

const ringHashFields = {
  minimum_ring_size: RingSize(DEFAULT_MINIMUM_RING_SIZE),
  maximum_ring_size: RingSize(MAX_RING_SIZE),
};
const RING_HASH_UNSUPPORTED = {
  use_hostname_for_hashing: 'endpoints are hashed by address',
  hash_balance_factor: 'bounded-load consistent hashing is not supported yet',
  consistent_hashing_lb_config: '',
  locality_weighted_lb_config: LOCALITY,
};

const leastRequestFields = {
  choice_count: Type.Optional(UInt32({ minimum: 2, default: DEFAULT_CHOICE_COUNT })),
  /** Exponent of the active-request count in the weighted mode: weight / (active + 1)^bias. */
  active_request_bias: Type.Optional(RuntimeDouble),
};

/** Cluster.RingHashLbConfig (the legacy `ring_hash_lb_config`). Weft hashes with xxHash32. */
export const RingHashLbConfig = Message(
  { ...ringHashFields, hash_function: Type.Optional(Enum(['XX_HASH', 'MURMUR_HASH_2'], { unsupported: ['MURMUR_HASH_2'], default: 'XX_HASH' })) },
);

/** Cluster.LeastRequestLbConfig (the legacy `least_request_lb_config`). */
export const LeastRequestLbConfig = Message(leastRequestFields, { unsupported: { slow_start_config: SLOW_START } });

export const RoundRobinPolicy = Message(
  { '@type': Type.Literal(TYPE_URLS.roundRobinPolicy) },
  { unsupported: { slow_start_config: SLOW_START, locality_lb_config: LOCALITY } },
);

export const LeastRequestPolicy = Message(
  { '@type': Type.Literal(TYPE_URLS.leastRequestPolicy), ...leastRequestFields },
  { unsupported: { slow_start_config: SLOW_START, locality_lb_config: LOCALITY, enable_full_scan: '', selection_method: '' } },
);

export const RandomPolicy = Message({ '@type': Type.Literal(TYPE_URLS.randomPolicy) }, { unsupported: { locality_lb_config: LOCALITY } });

export const RingHashPolicy = Message(
  {
    '@type': Type.Literal(TYPE_URLS.ringHashPolicy),
    ...ringHashFields,
    hash_function: Type.Optional(Enum(['DEFAULT_HASH', 'XX_HASH', 'MURMUR_HASH_2'], { unsupported: ['MURMUR_HASH_2'], default: 'DEFAULT_HASH' })),
  },
  { unsupported: RING_HASH_UNSUPPORTED },
);

/** The `value` of Weft's weft.balance.v1.PeakEwma TypedStruct. */
export const PeakEwmaConfig = Message({
  /** Time constant of the latency estimate's decay. */
  decay_time: Type.Optional(Duration({ positive: true, default: DEFAULT_EWMA_DECAY_TIME })),
  /** Latency assumed for an endpoint that has not answered yet. */
  default_rtt: Type.Optional(Duration({ positive: true, default: DEFAULT_EWMA_RTT })),
});

/** xds.type.v3.TypedStruct carrying Weft's peak-EWMA policy. */
export const PeakEwmaPolicy = Message({
  '@type': Type.Literal(TYPE_URLS.typedStruct),
  type_url: Type.Literal(TYPE_URLS.peakEwma),
  value: Type.Optional(PeakEwmaConfig),
});

export const TypedLbPolicy = Message({
  name: Str({ minLength: 1 }),
  typed_config: Any([RoundRobinPolicy, LeastRequestPolicy, RandomPolicy, RingHashPolicy, PeakEwmaPolicy]),
});

/** config.cluster.v3.LoadBalancingPolicy. Weft uses the first policy (every entry must be one it supports). */
export const LoadBalancingPolicy = Message({
  policies: Type.Array(Message({ typed_extension_config: TypedLbPolicy }), { minItems: 1 }),
});

/** RouteAction.HashPolicy: what a request's hash (for RING_HASH) is computed from. */
export const HashPolicy = Message(
  {
    header: Type.Optional(Message({ header_name: Str({ minLength: 1 }) }, { unsupported: { regex_rewrite: '' } })),
    cookie: Type.Optional(
      Message(
        { name: Str({ minLength: 1 }) },
        {
          unsupported: {
            ttl: 'Weft hashes an existing cookie only and does not generate one',
            path: 'Weft does not generate cookies',
            attributes: 'Weft does not generate cookies',
          },
        },
      ),
    ),
    connection_properties: Type.Optional(Message({ source_ip: Type.Optional(Bool()) })),
    query_parameter: Type.Optional(Message({ name: Str({ minLength: 1 }) })),
    /** Stop at this policy when it produced a hash. */
    terminal: Type.Optional(Bool({ default: false })),
  },
  {
    unsupported: { filter_state: 'filter state is not supported' },
    oneofs: [{ fields: ['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'], required: true }],
  },
);

export type RuntimeDouble = Static<typeof RuntimeDouble>;
export type RingHashLbConfig = Static<typeof RingHashLbConfig>;
export type LeastRequestLbConfig = Static<typeof LeastRequestLbConfig>;
export type PeakEwmaConfig = Static<typeof PeakEwmaConfig>;
export type TypedLbPolicy = Static<typeof TypedLbPolicy>;
export type LoadBalancingPolicy = Static<typeof LoadBalancingPolicy>;
export type HashPolicy = Static<typeof HashPolicy>;
