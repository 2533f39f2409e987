// extensions.filters.http.local_ratelimit.v3: the local (per-proxy) token-bucket rate limit HTTP
// filter, with type.v3.TokenBucket and type.v3.HttpStatus.

import type { Static } from 'typebox';
import { HeaderValueOption, RuntimeFractionalPercent } from './core.ts';
import { Bool, Duration, Message, Str, Type, UInt32 } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

/** Envoy's answer to a limited request. */
export const DEFAULT_RATE_LIMITED_STATUS = 429;

export const TokenBucket = Message({
  max_tokens: UInt32({ minimum: 1 }),
  tokens_per_fill: Type.Optional(UInt32({ minimum: 1, default: 1 })),
  fill_interval: Duration({ positive: true }),
});

/** type.v3.HttpStatus; proto-JSON also allows the enum name, Weft reads the number. */
export const HttpStatus = Message({ code: UInt32({ minimum: 100, maximum: 599 }) });

export const LocalRateLimit = Message(
  {
    '@type': Type.Literal(TYPE_URLS.localRateLimit),
    stat_prefix: Str({ minLength: 1 }),
    status: Type.Optional(HttpStatus),
    token_bucket: Type.Optional(TokenBucket),
    filter_enabled: Type.Optional(RuntimeFractionalPercent),
    filter_enforced: Type.Optional(RuntimeFractionalPercent),
    request_headers_to_add_when_not_enforced: Type.Optional(Type.Array(HeaderValueOption, { maxItems: 10 })),
    response_headers_to_add: Type.Optional(Type.Array(HeaderValueOption, { maxItems: 10 })),
    rate_limited_as_resource_exhausted: Type.Optional(Bool()),
  },
  {
    unsupported: {
      descriptors: 'descriptor-based limits arrive in a later release; use one token_bucket per route',
      stage: '',
      local_rate_limit_per_downstream_connection: 'Weft keeps one bucket per filter config, shared by all connections',
      local_cluster_rate_limit: '',
      enable_x_ratelimit_headers: '',
      vh_rate_limits: '',
      always_consume_default_token_bucket: 'only meaningful with descriptors',
      rate_limits: '',
      max_dynamic_descriptors: '',
    },
  },
);

export type TokenBucket = Static<typeof TokenBucket>;
export type HttpStatus = Static<typeof HttpStatus>;
export type LocalRateLimit = Static<typeof LocalRateLimit>;
