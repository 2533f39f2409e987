// How many retries a cluster may have in flight at once (circuit_breakers.thresholds: retry_budget
// or max_retries), so that retries cannot multiply an outage (RELIABILITY.md C6), and the
// counters that say how often it retried and how often the budget said no.
import {
  DEFAULT_MIN_RETRY_CONCURRENCY, DEFAULT_RETRY_BUDGET_PERCENT, type CircuitBreakers,
} from '../../xds/envoy/index.ts';
import type { CounterHandle, ProxyMetrics } from '../observe/metrics.ts';

export type RetryLimit =
  /** Envoy's retry_budget: percent of the cluster's active requests, never below minConcurrency. */
  | { readonly kind: 'budget'; readonly percent: number; readonly minConcurrency: number }
  /** Envoy's max_retries: a fixed number of concurrent retries. */
  | { readonly kind: 'fixed'; readonly maxRetries: number };

/**
 * The limit of a cluster's DEFAULT-priority thresholds (Weft routes have no priority). A
 * retry_budget wins over max_retries, as in Envoy. With neither, Weft applies the budget with
 * the budget defaults (20 %, at least 10; Envoy's floor is 3) — where Envoy would allow a flat 3 retries: a fixed
 * limit lets a busy cluster's retries sit at 3 while a quiet one's can triple its load.
 */
export function retryLimitOf(cb: CircuitBreakers | undefined): RetryLimit {
  const t = cb?.thresholds?.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT');
  if (t?.retry_budget === undefined && t?.max_retries !== undefined) return { kind: 'fixed', maxRetries: t.max_retries };
  const b = t?.retry_budget;
  return {
    kind: 'budget',
    percent: b?.budget_percent?.value ?? DEFAULT_RETRY_BUDGET_PERCENT,
    minConcurrency: b?.min_retry_concurrency ?? DEFAULT_MIN_RETRY_CONCURRENCY,
  };
}

/** What the budget reads the cluster's load from. */
export interface RetryLoad {
  readonly endpoints: readonly { readonly activeRequests: number }[];
}

export class RetryBudget {
  readonly limit: RetryLimit;
  /** Retries decided and not yet finished (their back-off included). */
  active = 0;
  retries = 0;
  overflows = 0;
  private readonly load: RetryLoad;
  private metrics: { readonly registry: Pick<ProxyMetrics, 'decision'>; readonly cluster: string; readonly byReason: Map<string, CounterHandle>; readonly overflow: CounterHandle } | null = null;

  constructor(limit: RetryLimit, load: RetryLoad) {
    this.limit = limit;
    this.load = load;
  }

  /** Retries allowed in flight right now. */
  allowed(): number {
    const limit = this.limit;
    if (limit.kind === 'fixed') return limit.maxRetries;
    let active = 0;
    for (const ep of this.load.endpoints) active += ep.activeRequests;
    return Math.max(limit.minConcurrency, Math.floor((active * limit.percent) / 100));
  }

  /** Takes one retry from the budget; false (and an overflow counted) when it is spent. */
  tryAcquire(reason: string): boolean {
    if (this.active >= this.allowed()) {
      this.overflows++;
      this.metrics?.overflow.inc();
      return false;
    }
    this.active++;
    this.retries++;
    const m = this.metrics;
    if (m !== null) {
      let counter = m.byReason.get(reason);
      if (counter === undefined) {
        counter = m.registry.decision('retries', 'Upstream retries the proxy made, by cluster and reason.', { cluster: m.cluster, reason });
        m.byReason.set(reason, counter);
      }
      counter.inc();
    }
    return true;
  }

  release(): void {
    if (this.active > 0) this.active--;
  }

  /** Counts into weft_retries_total{cluster, reason} and weft_retry_overflow_total{cluster}. */
  bindMetrics(registry: Pick<ProxyMetrics, 'decision'>, cluster: string): void {
    const overflow = registry.decision('retry_overflow', 'Retries refused because the cluster retry budget was spent.', { cluster });
    this.metrics = { registry, cluster, byReason: new Map(), overflow };
  }
}
