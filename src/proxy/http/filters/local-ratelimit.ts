// envoy.filters.http.local_ratelimit: one token bucket per LocalRateLimit config (the listener's,
// a virtual host's, a route's — each its own bucket, as in Envoy); a request that finds it empty
// gets 429 (flag RL) when the limit is enforced for it.
import { DEFAULT_RATE_LIMITED_STATUS, durationMs, type LocalRateLimit } from '../../../xds/envoy/index.ts';
import type { CounterHandle } from '../../observe/metrics.ts';
import type { HeaderList } from '../headers.ts';
import { LOCAL_REPLIES } from '../local-reply.ts';
import { compileHeaderMutation, type HeaderMutation } from '../route/header-mutation.ts';
import { fractionOf, sample, type Fraction } from './percent.ts';
import { TokenBucket } from './token-bucket.ts';
import type { FilterReply, RequestHead, RouteFilter, Verdict } from './types.ts';

/** Counters of one route: weft_local_ratelimited_total{enforced=true|false}. */
export interface RateLimitCounters {
  readonly enforced: CounterHandle;
  readonly notEnforced: CounterHandle;
}

const RL = LOCAL_REPLIES.localRateLimited;
const RESOURCE_EXHAUSTED = 8;

export class LocalRateLimitConfig {
  /** null: no bucket at this level, nothing is limited (a listener config may leave it to routes). */
  readonly bucket: TokenBucket | null;
  readonly enabled: Fraction;
  readonly enforced: Fraction;
  readonly whenNotEnforced: HeaderMutation | null;
  readonly reply: FilterReply;

  constructor(l: LocalRateLimit, now: number) {
    const b = l.token_bucket;
    this.bucket = b === undefined ? null : new TokenBucket(b.max_tokens, b.tokens_per_fill ?? 1, durationMs(b.fill_interval), now);
    // Both default to 0 % "for safety" in Envoy: an unset filter_enabled limits nothing.
    this.enabled = fractionOf(l.filter_enabled?.default_value);
    this.enforced = fractionOf(l.filter_enforced?.default_value);
    this.whenNotEnforced = compileHeaderMutation(l.request_headers_to_add_when_not_enforced);
    const code = l.status?.code ?? DEFAULT_RATE_LIMITED_STATUS;
    const addConfigured = compileHeaderMutation(l.response_headers_to_add);
    const addHeaders = (headers: HeaderList): void => {
      headers.push('x-envoy-ratelimited', 'true');
      addConfigured?.(headers);
    };
    this.reply = {
      kind: 'reply',
      // Envoy answers 429 instead of a configured status below 400.
      status: code < 400 ? DEFAULT_RATE_LIMITED_STATUS : code,
      grpcStatus: l.rate_limited_as_resource_exhausted === true ? RESOURCE_EXHAUSTED : -1,
      forceGrpc: false,
      code: RL.code,
      flag: RL.flag,
      body: Buffer.from(RL.message),
      addHeaders,
    };
  }

  bind(counters: RateLimitCounters): RouteFilter {
    return new RouteRateLimit(this, counters);
  }
}

class RouteRateLimit implements RouteFilter {
  private readonly config: LocalRateLimitConfig;
  private readonly counters: RateLimitCounters;

  constructor(config: LocalRateLimitConfig, counters: RateLimitCounters) {
    this.config = config;
    this.counters = counters;
  }

  onRequest(head: RequestHead): Verdict {
    const c = this.config;
    if (c.bucket === null || !sample(c.enabled)) return null;
    if (c.bucket.take(performance.now())) return null;
    if (!sample(c.enforced)) {
      this.counters.notEnforced.inc();
      c.whenNotEnforced?.(head.headers);
      return null;
    }
    this.counters.enforced.inc();
    return c.reply;
  }
}
