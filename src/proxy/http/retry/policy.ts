// A route's retry_policy compiled once at config time: which outcomes are retried (as bit flags),
// how often, how long each try may take, the back-off, and what may be replayed.
import {
  DEFAULT_HOST_SELECTION_RETRY_MAX_ATTEMPTS, DEFAULT_NUM_RETRIES, DEFAULT_RETRY_BASE_INTERVAL, DEFAULT_RETRY_BUFFER_LIMIT_BYTES,
  durationMs, retryOnConditions, type RetryOn, type RetryPolicy as RetryPolicyConfig,
} from '../../../xds/envoy/index.ts';
import { getHeader, type HeaderList } from '../headers.ts';
import type { UpstreamFailure } from '../stream.ts';

/** Why a try was retried: the `reason` label of weft_retries_total. */
export type RetryReason =
  | '5xx' | 'retriable-status-code' | 'reset' | 'connect-failure' | 'refused-stream' | 'per-try-timeout'
  | 'grpc-cancelled' | 'grpc-deadline-exceeded' | 'grpc-internal' | 'grpc-resource-exhausted' | 'grpc-unavailable';

const FLAG: Record<RetryOn, number> = {
  '5xx': 1, 'gateway-error': 2, reset: 4, 'connect-failure': 8, 'retriable-4xx': 16, 'refused-stream': 32,
  'retriable-status-codes': 64, cancelled: 128, 'deadline-exceeded': 256, internal: 512, 'resource-exhausted': 1024, unavailable: 2048,
};
/** Conditions that retry every failure without a response (Envoy counts a reset as a 5xx). */
const ANY_RESET = FLAG['5xx'] | FLAG['gateway-error'] | FLAG.reset;
const CONNECT = ANY_RESET | FLAG['connect-failure'];
const REFUSED = ANY_RESET | FLAG['refused-stream'];
const GRPC_ANY = FLAG.cancelled | FLAG['deadline-exceeded'] | FLAG.internal | FLAG['resource-exhausted'] | FLAG.unavailable;

/** gRPC status code → [retry_on flag, reason]. */
const GRPC: Readonly<Record<string, readonly [number, RetryReason]>> = {
  1: [FLAG.cancelled, 'grpc-cancelled'],
  4: [FLAG['deadline-exceeded'], 'grpc-deadline-exceeded'],
  8: [FLAG['resource-exhausted'], 'grpc-resource-exhausted'],
  13: [FLAG.internal, 'grpc-internal'],
  14: [FLAG.unavailable, 'grpc-unavailable'],
};

/** Methods RFC 9110 §9.2.2 calls idempotent: sending one twice does what sending it once does. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class RetryPolicy {
  readonly numRetries: number;
  /** 0: the try runs until the route timeout. */
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** envoy.retry_host_predicates.previous_hosts: a retry avoids the hosts already tried. */
  readonly previousHosts: boolean;
  readonly hostSelectionMaxAttempts: number;
  /** Request body bytes kept for replay; a longer body makes the request not retriable. */
  readonly bufferLimitBytes: number;
  /** Weft extension RetryNonIdempotent: any method may be replayed, as Envoy does. */
  readonly retryNonIdempotent: boolean;
  private readonly flags: number;
  private readonly statusCodes: ReadonlySet<number>;

  constructor(config: RetryPolicyConfig, bufferLimitBytes: number | undefined) {
    let flags = 0;
    for (const c of retryOnConditions(config.retry_on)) flags |= FLAG[c as RetryOn] ?? 0; // checked at load
    this.flags = flags;
    this.statusCodes = new Set(config.retriable_status_codes ?? []);
    this.numRetries = config.num_retries ?? DEFAULT_NUM_RETRIES;
    this.perTryTimeoutMs = config.per_try_timeout === undefined ? 0 : durationMs(config.per_try_timeout);
    const backOff = config.retry_back_off;
    this.baseIntervalMs = durationMs(backOff?.base_interval ?? DEFAULT_RETRY_BASE_INTERVAL);
    this.maxIntervalMs = backOff?.max_interval === undefined ? 10 * this.baseIntervalMs : durationMs(backOff.max_interval);
    this.previousHosts = (config.retry_host_predicate ?? []).length > 0;
    this.hostSelectionMaxAttempts = Math.max(1, config.host_selection_retry_max_attempts ?? DEFAULT_HOST_SELECTION_RETRY_MAX_ATTEMPTS);
    this.bufferLimitBytes = bufferLimitBytes ?? DEFAULT_RETRY_BUFFER_LIMIT_BYTES;
    this.retryNonIdempotent = (config.retry_options_predicates ?? []).length > 0;
  }

  /** Why a response should be retried, or null. Looked at before anything reaches the client. */
  forResponse(status: number, headers: HeaderList): RetryReason | null {
    const flags = this.flags;
    if ((flags & GRPC_ANY) !== 0) {
      const grpc = GRPC[getHeader(headers, 'grpc-status') ?? ''];
      if (grpc !== undefined && (flags & grpc[0]) !== 0) return grpc[1];
    }
    if (status >= 500) {
      if ((flags & FLAG['5xx']) !== 0) return '5xx';
      if ((flags & FLAG['gateway-error']) !== 0 && status <= 504 && status >= 502) return '5xx';
    }
    if ((flags & FLAG['retriable-4xx']) !== 0 && status === 409) return 'retriable-status-code';
    if ((flags & FLAG['retriable-status-codes']) !== 0 && this.statusCodes.has(status)) return status >= 500 ? '5xx' : 'retriable-status-code';
    return null;
  }

  /** Why a try that got no response should be retried, or null. */
  forFailure(failure: UpstreamFailure): RetryReason | null {
    const flags = this.flags;
    switch (failure) {
      case 'connect-failure':
      case 'connect-timeout':
        return (flags & CONNECT) !== 0 ? 'connect-failure' : null;
      case 'refused-stream':
        return (flags & REFUSED) !== 0 ? 'refused-stream' : null;
      case 'reset-before-response':
      case 'protocol-error':
        return (flags & ANY_RESET) !== 0 ? 'reset' : null;
      case 'timeout':
        return (flags & ANY_RESET) !== 0 ? 'per-try-timeout' : null;
      default:
        // A reset once the response began cannot be retried; overflow and an empty cluster are
        // the cluster's own limits speaking, and a retry would only press on them.
        return null;
    }
  }

  /**
   * May this request be sent again? Only when sending it twice is safe: an idempotent method, or
   * bytes that never left the proxy, or the operator's explicit RetryNonIdempotent. A gRPC status
   * the route lists is such a statement too: every gRPC call is a POST, and naming `unavailable`
   * in retry_on says the service uses it for "not done, try again" (gRPC's own retry policy,
   * gRFC A6, retries listed statuses whatever the method).
   */
  mayReplay(method: string, bytesReachedUpstream: boolean, reason: RetryReason): boolean {
    return !bytesReachedUpstream || this.retryNonIdempotent || IDEMPOTENT.has(method) || reason.startsWith('grpc-');
  }

  /** Envoy's fully jittered exponential back-off: uniform in [0, min(max, base × (2^n − 1))) before retry n. */
  backOffMs(retry: number, random: number): number {
    const ceiling = Math.min(this.maxIntervalMs, this.baseIntervalMs * (2 ** Math.min(retry, 30) - 1));
    return random * ceiling;
  }
}
