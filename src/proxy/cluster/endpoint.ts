// One upstream endpoint: its address, weight, health, counters, and its connection pool.
import { H1Pool, DEFAULT_H1_POOL } from './h1-pool.ts';
import { H2Pool } from './h2-pool.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { OutlierMonitor } from './outlier-detection.ts';
import type { RequestHead, UpstreamResponseHandler, UpstreamStream } from '../http/stream.ts';
import { DEFAULT_EWMA, RttEstimate, type EwmaOptions } from '../balance/rtt-estimate.ts';

export type UpstreamProtocol = 'http1' | 'http2';

export class Endpoint {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly weight: number;
  healthy: boolean;
  /** Set by outlier detection; every balancer skips an ejected endpoint until it is readmitted. */
  ejected = false;
  /** Attempt results go here (`outlier?.record(...)`); null without outlier_detection. */
  outlier: OutlierMonitor | null = null;
  /** Peak-EWMA of the time to the response head (ms): the peak-EWMA balancer's input, shown in /clusters. */
  readonly latency: RttEstimate;
  activeRequests = 0;
  totalRequests = 0;
  failedRequests = 0;
  private readonly pool: H1Pool | H2Pool;
  private readonly breaker: CircuitBreaker;

  constructor(
    host: string, port: number, weight: number, healthy: boolean, protocol: UpstreamProtocol, connectTimeoutMs: number,
    breaker = new CircuitBreaker(), ewma: EwmaOptions = DEFAULT_EWMA,
  ) {
    this.host = host;
    this.port = port;
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.weight = weight;
    this.healthy = healthy;
    this.breaker = breaker;
    this.latency = new RttEstimate(ewma);
    this.pool = protocol === 'http2'
      ? new H2Pool(host, port, { connectTimeoutMs }, breaker)
      : new H1Pool(host, port, { ...DEFAULT_H1_POOL, connectTimeoutMs }, breaker);
  }

  get openConnections(): number {
    return this.pool.openConnections;
  }

  /** Counts a request against the cluster's max_requests; false means overflow (503, flag UO). */
  admit(): boolean {
    if (!this.breaker.admitRequest()) return false;
    this.activeRequests++;
    this.totalRequests++;
    return true;
  }

  /** The admitted request is over (or became a tunnel). */
  release(): void {
    this.activeRequests--;
    this.breaker.releaseRequest();
  }

  /** The response head arrived `ms` after the request was sent, at `now` (performance.now()). */
  observeLatency(ms: number, now: number): void {
    this.latency.observe(ms, now);
  }

  request(head: RequestHead, handler: UpstreamResponseHandler): UpstreamStream {
    return this.pool.request(head, handler);
  }

  close(): void {
    this.pool.close();
  }
}
