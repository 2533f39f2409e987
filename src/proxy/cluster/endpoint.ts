// One upstream endpoint: its address, weight, health, counters, and its connection pool.
import type { TLSSocket } from 'node:tls';
import { H1Pool, DEFAULT_H1_POOL } from './h1-pool.ts';
import { H2Pool } from './h2-pool.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { OutlierMonitor } from './outlier-detection.ts';
import type { RequestHead, UpstreamResponseHandler, UpstreamStream } from '../http/stream.ts';
import type { SpiffeId } from '../../pki/index.ts';
import type { UpstreamTls } from '../tls/upstream.ts';

export type UpstreamProtocol = 'http1' | 'http2';

export class Endpoint {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly weight: number;
  healthy: boolean;
  /** Set by outlier detection; balancers skip an ejected endpoint as they skip an unhealthy one. */
  ejected = false;
  /** Attempt results go here (`outlier?.record(...)`); null without outlier_detection. */
  outlier: OutlierMonitor | null = null;
  /**
   * The identities the control plane announced for this endpoint (EDS metadata, later): the
   * server's SPIFFE ID must be one of them on top of the cluster's SAN matchers. Null: none announced.
   */
  identity: readonly SpiffeId[] | null = null;
  /** TLS origination of the cluster, or null. */
  readonly tls: UpstreamTls | null;
  activeRequests = 0;
  totalRequests = 0;
  failedRequests = 0;
  private readonly pool: H1Pool | H2Pool;
  private readonly breaker: CircuitBreaker;

  constructor(
    host: string, port: number, weight: number, healthy: boolean, protocol: UpstreamProtocol, connectTimeoutMs: number,
    breaker = new CircuitBreaker(), tls: UpstreamTls | null = null,
  ) {
    this.host = host;
    this.port = port;
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.weight = weight;
    this.healthy = healthy;
    this.breaker = breaker;
    this.tls = tls;
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

  request(head: RequestHead, handler: UpstreamResponseHandler): UpstreamStream {
    return this.pool.request(head, handler);
  }

  close(): void {
    this.pool.close();
  }
}
