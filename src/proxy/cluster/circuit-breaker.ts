// A cluster's circuit breaker: Envoy's DEFAULT-priority limits on upstream connections, requests
// waiting for a connection and requests in flight, counted across all of the cluster's endpoints.

export interface CircuitBreakerLimits {
  /** Upstream connections open at once, over all endpoint pools (HTTP/1.1 connections, HTTP/2 sessions). */
  readonly maxConnections: number;
  /** Requests waiting for a connection because `maxConnections` is reached. */
  readonly maxPendingRequests: number;
  /** Requests in flight to the cluster (sent, or waiting to be sent). */
  readonly maxRequests: number;
}

/** Envoy's defaults: 1024 of each. */
export const DEFAULT_LIMITS: CircuitBreakerLimits = Object.freeze({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 });

export type OverflowKind = 'connections' | 'pending' | 'requests';

/** Where overflows are counted (weft_proxy_upstream_overflow_total{cluster,kind}). */
export type OverflowCounters = Readonly<Record<OverflowKind, { inc(): void }>>;

const UNCOUNTED: OverflowCounters = { connections: { inc() {} }, pending: { inc() {} }, requests: { inc() {} } };

export class CircuitBreaker {
  readonly limits: CircuitBreakerLimits;
  /** Open upstream connections. */
  connections = 0;
  /** Requests queued for a connection. */
  pending = 0;
  /** Requests admitted and not yet finished (the pending ones included). */
  requests = 0;
  private readonly overflows: OverflowCounters;

  constructor(limits: CircuitBreakerLimits = DEFAULT_LIMITS, overflows: OverflowCounters = UNCOUNTED) {
    this.limits = limits;
    this.overflows = overflows;
  }

  /** Admits one request, or counts a `requests` overflow and refuses it (the caller answers 503 UO). */
  admitRequest(): boolean {
    if (this.requests >= this.limits.maxRequests) {
      this.overflows.requests.inc();
      return false;
    }
    this.requests++;
    return true;
  }

  releaseRequest(): void {
    this.requests--;
  }

  /**
   * May a pool open one more connection? A pool with none may always open one (Envoy's rule):
   * otherwise requests queued on it would wait for a connection that can never come.
   */
  mayConnect(poolIsEmpty: boolean): boolean {
    return poolIsEmpty || this.connections < this.limits.maxConnections;
  }

  /** Called when a request must wait because the connection limit is reached: may it queue? */
  mayQueue(): boolean {
    this.overflows.connections.inc();
    if (this.pending < this.limits.maxPendingRequests) return true;
    this.overflows.pending.inc();
    return false;
  }
}
