// One upstream endpoint: its address, weight, health, counters, and its connection pool.
import type { TLSSocket } from 'node:tls';
import { H1Pool, DEFAULT_H1_POOL } from './h1-pool.ts';
import { H2Pool } from './h2-pool.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { OutlierMonitor } from './outlier-detection.ts';
import type { RequestHead, UpstreamResponseHandler, UpstreamStream } from '../http/stream.ts';
import { DEFAULT_EWMA, RttEstimate, type EwmaOptions } from '../balance/rtt-estimate.ts';
import type { SpiffeId } from '../../pki/index.ts';
import type { UpstreamTls } from '../tls/upstream.ts';

export type UpstreamProtocol = 'http1' | 'http2';

/** What an endpoint shares with its cluster; each part has a stand-alone default (for tests). */
export interface EndpointOptions {
  /** The cluster's circuit breaker, which counts this endpoint's connections and requests. */
  readonly breaker?: CircuitBreaker;
  /** Peak-EWMA latency settings (the cluster's peak-EWMA policy, else Weft's defaults). */
  readonly ewma?: EwmaOptions;
  /** The cluster's TLS origination, or null for plaintext. */
  readonly tls?: UpstreamTls | null;
  /** The identities announced for the endpoint (see Endpoint.identity). */
  readonly identity?: readonly SpiffeId[] | null;
  /** The cluster's key for this endpoint (cluster.ts endpointKey): how an update finds it again. */
  readonly key?: string;
}

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
  /**
   * The identities the control plane announced for this endpoint (EDS metadata): the server's
   * SPIFFE ID must be one of them on top of the cluster's SAN matchers. Null: none announced.
   */
  readonly identity: readonly SpiffeId[] | null;
  readonly key: string;
  /** TLS origination of the cluster, or null. */
  readonly tls: UpstreamTls | null;
  activeRequests = 0;
  totalRequests = 0;
  failedRequests = 0;
  private readonly pool: H1Pool | H2Pool;
  private readonly breaker: CircuitBreaker;

  constructor(
    host: string, port: number, weight: number, healthy: boolean, protocol: UpstreamProtocol, connectTimeoutMs: number,
    options: EndpointOptions = {},
  ) {
    this.host = host;
    this.port = port;
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.weight = weight;
    this.healthy = healthy;
    const breaker = options.breaker ?? new CircuitBreaker();
    this.breaker = breaker;
    this.latency = new RttEstimate(options.ewma ?? DEFAULT_EWMA);
    this.tls = options.tls ?? null;
    this.identity = options.identity ?? null;
    this.key = options.key ?? this.address;
    const transport = this.transport();
    this.pool = protocol === 'http2'
      ? new H2Pool(host, port, { connectTimeoutMs, transport }, breaker)
      : new H1Pool(host, port, { ...DEFAULT_H1_POOL, connectTimeoutMs, transport }, breaker);
  }

  /** Opens a TLS connection to this endpoint with the cluster's context, or null for plaintext. */
  transport(): (() => TLSSocket) | null {
    const tls = this.tls;
    if (tls === null) return null;
    return () => tls.connect(this.host, this.port, this.identity);
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
