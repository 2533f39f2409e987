// config.route.v3.RetryPolicy (route and virtual host), its back-off, the previous-hosts host
// predicate, and Weft's one retry option (retrying non-idempotent requests) as a TypedStruct.

import type { Static } from 'typebox';
import { Any, Duration, Message, Str, Type, UInt32, Int64 } from './schema.ts';
import { TYPE_URLS, WEFT_TYPE_URLS } from './type-urls.ts';

/** Envoy's defaults when a retry policy leaves them out. */
export const DEFAULT_NUM_RETRIES = 1;
export const DEFAULT_RETRY_BASE_INTERVAL = '0.025s';
export const DEFAULT_HOST_SELECTION_RETRY_MAX_ATTEMPTS = 1;
/** Weft's default retry buffer for a request body (the 64 KiB; Envoy uses the 1 MiB connection buffer). */
export const DEFAULT_RETRY_BUFFER_LIMIT_BYTES = 64 * 1024;

/** The retry_on conditions Weft implements, as Envoy spells them. */
export const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx', 'refused-stream', 'retriable-status-codes',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;
export type RetryOn = (typeof RETRY_ON)[number];
/** Valid in Envoy, refused by Weft for now. */
export const UNSUPPORTED_RETRY_ON = ['retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure', 'reset-before-request'] as const;

export const RetryBackOff = Message({
  base_interval: Duration({ positive: true }),
  /** Default: 10 × base_interval. */
  max_interval: Type.Optional(Duration({ positive: true })),
});

export const PreviousHostsPredicate = Message({ '@type': Type.Literal(TYPE_URLS.previousHostsPredicate) });

export const RetryHostPredicate = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([PreviousHostsPredicate]) },
);

/** Weft extension: retry any method, even once its bytes reached the upstream (Envoy's own behaviour). */
export const RetryNonIdempotent = Message({
  '@type': Type.Literal(TYPE_URLS.typedStruct),
  type_url: Type.Literal(WEFT_TYPE_URLS.retryNonIdempotent),
  value: Type.Optional(Message({})),
});

export const RetryOptionsPredicate = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([RetryNonIdempotent]) },
);

export const RetryPolicy = Message(
  {
    /** Comma-separated conditions; empty means none (no retries). */
    retry_on: Type.Optional(Str()),
    num_retries: Type.Optional(UInt32({ default: DEFAULT_NUM_RETRIES })),
    /** Each attempt's own timeout; absent or 0: only the route timeout applies. */
    per_try_timeout: Type.Optional(Duration()),
    retry_back_off: Type.Optional(RetryBackOff),
    retry_host_predicate: Type.Optional(Type.Array(RetryHostPredicate)),
    host_selection_retry_max_attempts: Type.Optional(Int64()),
    retriable_status_codes: Type.Optional(Type.Array(UInt32({ minimum: 100, maximum: 599 }))),
    retry_options_predicates: Type.Optional(Type.Array(RetryOptionsPredicate)),
  },
  {
    unsupported: {
      retry_priority: 'Weft has no priority levels',
      per_try_idle_timeout: 'use per_try_timeout',
      rate_limited_retry_back_off: '',
      retriable_headers: '',
      retriable_request_headers: '',
    },
  },
);

export type RetryBackOff = Static<typeof RetryBackOff>;
export type RetryHostPredicate = Static<typeof RetryHostPredicate>;
export type RetryOptionsPredicate = Static<typeof RetryOptionsPredicate>;
export type RetryPolicy = Static<typeof RetryPolicy>;
