// A cluster: a named set of endpoints, how to find them (static or DNS), and how to pick one.
import { lookup } from 'node:dns/promises';
import { Endpoint, type UpstreamProtocol } from './endpoint.ts';
import { CircuitBreaker, type CircuitBreakerLimits, type OverflowKind } from './circuit-breaker.ts';
import { OutlierDetector, type EjectionReason, type OutlierConfig, type OutlierEvents } from './outlier-detection.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import type { UpstreamTls } from '../tls/upstream.ts';

export interface EndpointSpec {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly healthy: boolean;
}

export interface ClusterSpec {
  readonly name: string;
  readonly discovery: 'static' | 'strict_dns';
  readonly protocol: UpstreamProtocol;
  readonly connectTimeoutMs: number;
  readonly dnsRefreshMs: number;
  readonly dnsFamily: 4 | 6 | 0;
  readonly endpoints: readonly EndpointSpec[];
  readonly limits: CircuitBreakerLimits;
  readonly outlier: OutlierConfig | null;
  /** TLS origination (transport_socket), or null for plaintext. */
  readonly tls: UpstreamTls | null;
}

/** The registry calls a cluster makes, at config time only. */
export type ClusterMetrics = Pick<ProxyMetrics, 'counter' | 'gauge'>;

export class Cluster {
  readonly spec: ClusterSpec;
  endpoints: Endpoint[] = [];
  private next = 0;
  private dnsTimer: NodeJS.Timeout | null = null;
  // Smooth weighted round robin (as nginx): current weights per endpoint index.
  private current: number[] = [];
  private weighted = false;
  readonly breaker: CircuitBreaker;
  readonly outlier: OutlierDetector | null;

  constructor(spec: ClusterSpec, metrics: ClusterMetrics | null = null) {
    this.spec = spec;
    this.breaker = new CircuitBreaker(spec.limits, overflowCounters(spec.name, metrics));
    this.outlier = spec.outlier === null ? null : new OutlierDetector(spec.outlier, () => this.endpoints, {
      events: outlierEvents(spec.name, metrics),
      log: (line) => process.stderr.write(`weft proxy: cluster ${spec.name}: outlier detection ${line}\n`),
    });
    if (metrics !== null) {
      const labels = { cluster: spec.name };
      metrics.gauge('upstream_connections', 'Open upstream connections, per cluster.', labels, () => this.breaker.connections);
      metrics.gauge('upstream_pending_requests', 'Requests waiting for an upstream connection, per cluster.', labels, () => this.breaker.pending);
      metrics.gauge('upstream_active_requests', 'Requests in flight to the cluster (counted against max_requests).', labels, () => this.breaker.requests);
      const outlier = this.outlier;
      if (outlier !== null) metrics.gauge('outlier_ejections_active', 'Endpoints ejected by outlier detection now.', labels, () => outlier.activeEjections());
    }
    if (spec.discovery === 'static') this.setEndpoints(spec.endpoints);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Resolves DNS names once before serving, then keeps refreshing in the background. */
  async start(): Promise<void> {
    this.outlier?.start();
    if (this.spec.discovery !== 'strict_dns') return;
    // A name that does not resolve yet leaves the cluster empty (503 no-healthy-upstream) and
    // is retried at the refresh rate, as Envoy does; it does not stop the proxy from starting.
    await this.resolve().catch((err: unknown) => {
      process.stderr.write(`weft proxy: cluster ${this.name}: DNS resolution failed (${err instanceof Error ? err.message : String(err)}); retrying every ${this.spec.dnsRefreshMs} ms\n`);
    });
    const refresh = (): void => {
      this.dnsTimer = setTimeout(() => {
        this.resolve().catch(() => {}).finally(refresh);
      }, this.spec.dnsRefreshMs);
      this.dnsTimer.unref();
    };
    refresh();
  }

  /** Round robin over healthy endpoints (weighted when weights differ). */
  pick(): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return null;
    if (this.weighted) return this.pickWeighted();
    for (let tries = 0; tries < n; tries++) {
      const ep = eps[this.next];
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      if (ep.healthy && !ep.ejected) return ep;
    }
    return null;
  }

  close(): void {
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.outlier?.stop();
    for (const ep of this.endpoints) ep.close();
  }

  private pickWeighted(): Endpoint | null {
    let best = -1;
    let total = 0;
    const eps = this.endpoints;
    for (let i = 0; i < eps.length; i++) {
      if (!eps[i].healthy || eps[i].ejected) continue;
      this.current[i] += eps[i].weight;
      total += eps[i].weight;
      if (best < 0 || this.current[i] > this.current[best]) best = i;
    }
    if (best < 0) return null;
    this.current[best] -= total;
    return eps[best];
  }

  private setEndpoints(specs: readonly EndpointSpec[]): void {
    const old = new Map(this.endpoints.map((ep) => [`${ep.address}/${ep.weight}/${ep.healthy}`, ep]));
    const next: Endpoint[] = [];
    for (const s of specs) {
      const key = `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/${s.weight}/${s.healthy}`;
      const kept = old.get(key);
      if (kept) {
        old.delete(key);
        next.push(kept);
      } else {
        const ep = new Endpoint(s.host, s.port, s.weight, s.healthy, this.spec.protocol, this.spec.connectTimeoutMs, this.breaker, this.spec.tls);
        this.outlier?.attach(ep);
        next.push(ep);
      }
    }
    for (const gone of old.values()) gone.close();
    this.endpoints = next;
    this.current = next.map(() => 0);
    this.weighted = next.some((ep) => ep.weight !== next[0].weight);
    this.next = 0;
  }

  private async resolve(): Promise<void> {
    const resolved: EndpointSpec[] = [];
    for (const s of this.spec.endpoints) {
      const addresses = await lookup(s.host, { all: true, family: this.spec.dnsFamily });
      for (const a of addresses) resolved.push({ host: a.address, port: s.port, weight: s.weight, healthy: s.healthy });
    }
    this.setEndpoints(resolved);
  }
}

function overflowCounters(cluster: string, metrics: ClusterMetrics | null): ConstructorParameters<typeof CircuitBreaker>[1] {
  if (metrics === null) return undefined;
  const bind = (kind: OverflowKind) => metrics.counter('upstream_overflow', 'Requests and connections refused by the circuit breaker, per cluster and limit.', { cluster, kind });
  return { connections: bind('connections'), pending: bind('pending'), requests: bind('requests') };
}

/** Counters per (cluster, reason), bound on first use: ejections are rare, requests never touch these. */
function outlierEvents(cluster: string, metrics: ClusterMetrics | null): OutlierEvents | undefined {
  if (metrics === null) return undefined;
  const counter = (name: string, help: string) => {
    const byReason = new Map<EjectionReason, { inc(): void }>();
    return (reason: EjectionReason): void => {
      let c = byReason.get(reason);
      if (c === undefined) byReason.set(reason, (c = metrics.counter(name, help, { cluster, reason })));
      c.inc();
    };
  };
  return {
    ejected: counter('outlier_ejections', 'Endpoints ejected by outlier detection, per cluster and reason.'),
    detected: counter('outlier_ejections_unenforced', 'Outliers detected but not ejected (enforcing_* percentage), per cluster and reason.'),
    overflowed: counter('outlier_ejections_overflow', 'Outliers not ejected because max_ejection_percent was reached, per cluster and reason.'),
  };
}
