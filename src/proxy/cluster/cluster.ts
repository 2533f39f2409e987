// A cluster: a named set of endpoints, how to find them (static or DNS), and its balancer.
import { lookup } from 'node:dns/promises';
import { createBalancer, DEFAULT_EWMA, type Balancer, type EwmaOptions, type LbPolicy, type PickContext } from '../balance/index.ts';
import { Endpoint, type UpstreamProtocol } from './endpoint.ts';
import { CircuitBreaker, type CircuitBreakerLimits, type OverflowKind } from './circuit-breaker.ts';
import { OutlierDetector, type EjectionReason, type OutlierConfig, type OutlierEvents } from './outlier-detection.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import { RetryBudget, type RetryLimit } from './retry-budget.ts';
import type { UpstreamTls } from '../tls/upstream.ts';
import type { SpiffeId } from '../../pki/index.ts';

export interface EndpointSpec {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly healthy: boolean;
  /** Index into ClusterSpec.matchedTransports (the transport_socket_matches entry it matched); absent: the cluster's own. */
  readonly transport?: number;
  /** The SPIFFE IDs the control plane announced for this endpoint (EDS metadata `weft.dev` → `identity`). */
  readonly identity?: readonly SpiffeId[];
}

/** How an endpoint is reached: plaintext or a TLS context, and the HTTP version spoken over it. */
export interface Transport {
  readonly tls: UpstreamTls | null;
  readonly protocol: UpstreamProtocol;
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
  readonly lb: LbPolicy;
  readonly retryLimit: RetryLimit;
  /** TLS origination (transport_socket), or null for plaintext. */
  readonly tls: UpstreamTls | null;
  /** transport_socket_matches, in order: endpoints whose metadata matched one use it instead of `protocol` and `tls`. */
  readonly matchedTransports: readonly Transport[];
}

/**
 * Whether two specs reach endpoints the same way: same protocols and the same TLS context objects
 * (contexts on the identity agent's secrets are carried across snapshots, so they compare equal).
 */
export function sameTransports(a: ClusterSpec, b: ClusterSpec): boolean {
  return a.protocol === b.protocol && a.tls === b.tls && a.matchedTransports.length === b.matchedTransports.length
    && a.matchedTransports.every((t, i) => t.tls === b.matchedTransports[i].tls && t.protocol === b.matchedTransports[i].protocol);
}

/** The registry calls a cluster makes, at config time only. */
export type ClusterMetrics = Pick<ProxyMetrics, 'counter' | 'gauge' | 'decision'>;

export class Cluster {
  readonly spec: ClusterSpec;
  endpoints: Endpoint[] = [];
  readonly balancer: Balancer;
  /** Whether the balancer reads PickContext.hash (RING_HASH), so routes compute their hash_policy only then. */
  readonly usesHash: boolean;
  private readonly ewma: EwmaOptions;
  readonly retryBudget: RetryBudget;
  private dnsTimer: NodeJS.Timeout | null = null;
  /** Retired or closed: no DNS refresh is armed again. */
  private stopped = false;
  private readonly metrics: ClusterMetrics | null;
  readonly breaker: CircuitBreaker;
  readonly outlier: OutlierDetector | null;

  /**
   * `previous` is the cluster of the same name this one replaces (a config update, e.g. new EDS
   * endpoints): when both use fixed addresses with the same protocol, connect timeout, circuit
   * breaker limits, outlier detection and latency settings, endpoints present in both are carried
   * over with their warm pools, and so are the breaker and detector their counts live in. The rest
   * close when `previous` is retired.
   */
  constructor(spec: ClusterSpec, metrics: ClusterMetrics | null = null, previous?: Cluster) {
    this.spec = spec;
    this.balancer = createBalancer(spec.lb);
    this.usesHash = spec.lb.kind === 'ring_hash';
    // Every endpoint keeps a latency estimate (/clusters shows it); peak-EWMA clusters tune it.
    this.ewma = spec.lb.kind === 'peak_ewma' ? spec.lb : DEFAULT_EWMA;
    const compatible = previous !== undefined && previous.spec.discovery === 'static' && spec.discovery === 'static'
      && sameTransports(previous.spec, spec) && previous.spec.connectTimeoutMs === spec.connectTimeoutMs
      && sameJson(previous.spec.limits, spec.limits) && sameJson(previous.spec.outlier, spec.outlier)
      && sameJson(previous.ewma, this.ewma);
    this.metrics = metrics;
    // Taken over from `previous`, but followed only once this cluster is activated (its snapshot
    // committed): a candidate an update abandons must not steer what the live cluster shares.
    if (compatible) {
      this.breaker = previous.breaker;
      this.outlier = previous.outlier;
      this.endpoints = previous.endpoints;
    } else {
      this.breaker = new CircuitBreaker(spec.limits, overflowCounters(spec.name, metrics));
      this.outlier = spec.outlier === null ? null : new OutlierDetector(spec.outlier, () => this.endpoints, {
        events: outlierEvents(spec.name, metrics),
        log: (line) => process.stderr.write(`weft proxy: cluster ${spec.name}: outlier detection ${line}\n`),
      });
    }
    this.retryBudget = new RetryBudget(spec.retryLimit, this);
    if (metrics !== null) this.retryBudget.bindMetrics(metrics, spec.name);
    if (spec.discovery === 'static') this.setEndpoints(spec.endpoints, { closeGone: false, fresh: true });
  }

  get name(): string {
    return this.spec.name;
  }

  /** This cluster now serves (its snapshot was committed): the shared detector and the gauges read it from now on. */
  activate(): void {
    this.outlier?.follow(this, () => this.endpoints);
    const metrics = this.metrics;
    if (metrics === null) return;
    const labels = { cluster: this.spec.name };
    metrics.gauge('upstream_connections', 'Open upstream connections, per cluster.', labels, () => this.breaker.connections);
    metrics.gauge('upstream_pending_requests', 'Requests waiting for an upstream connection, per cluster.', labels, () => this.breaker.pending);
    metrics.gauge('upstream_active_requests', 'Requests in flight to the cluster (counted against max_requests).', labels, () => this.breaker.requests);
    const outlier = this.outlier;
    if (outlier !== null) metrics.gauge('outlier_ejections_active', 'Endpoints ejected by outlier detection now.', labels, () => outlier.activeEjections());
    const retryBudget = this.retryBudget;
    metrics.gauge('retries_active', 'Retries in flight (back-off included), counted against the retry budget, per cluster.', labels, () => retryBudget.active);
    metrics.gauge('retries_allowed', 'Concurrent retries the retry budget (or max_retries) allows now, per cluster.', labels, () => retryBudget.allowed());
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
      if (this.stopped) return; // retired while a lookup was in flight
      this.dnsTimer = setTimeout(() => {
        this.resolve().catch(() => {}).finally(refresh);
      }, this.spec.dnsRefreshMs);
      this.dnsTimer.unref();
    };
    refresh();
  }

  /** An endpoint for one request (see Balancer.pick), or null when none is usable. */
  pick(ctx?: PickContext): Endpoint | null {
    return this.balancer.pick(ctx);
  }

  close(): void {
    this.stopped = true;
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.outlier?.stop();
    for (const ep of this.endpoints) ep.close();
  }

  /**
   * Stops a cluster a config update replaced or removed (or a candidate an update abandoned),
   * closing its endpoints except those shared with `other` (its successor or predecessor).
   */
  retire(other: Cluster | undefined): void {
    this.stopped = true;
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    const outlier = this.outlier;
    if (outlier !== null && outlier === other?.outlier) {
      // Shared: whoever activated last owns it; hand it on only if that is still this cluster.
      if (outlier.followedBy(this)) outlier.follow(other, () => other.endpoints);
    } else {
      outlier?.stop();
    }
    const kept = new Set(other?.endpoints ?? []);
    for (const ep of this.endpoints) if (!kept.has(ep)) ep.close();
  }

  /**
   * `closeGone: false` keeps endpoints inherited from a previous cluster open until that cluster is
   * retired; `fresh` feeds a new balancer even when the set is unchanged.
   */
  private setEndpoints(specs: readonly EndpointSpec[], options: { closeGone: boolean; fresh: boolean } = { closeGone: true, fresh: false }): void {
    const old = new Map(this.endpoints.map((ep) => [ep.key, ep]));
    const next: Endpoint[] = [];
    for (const s of specs) {
      const key = endpointKey(s);
      const kept = old.get(key);
      if (kept) {
        old.delete(key);
        next.push(kept);
      } else {
        const transport = s.transport === undefined ? this.spec : this.spec.matchedTransports[s.transport];
        const ep = new Endpoint(s.host, s.port, s.weight, s.healthy, transport.protocol, this.spec.connectTimeoutMs, {
          breaker: this.breaker, ewma: this.ewma, tls: transport.tls, identity: s.identity ?? null, key,
        });
        this.outlier?.attach(ep);
        next.push(ep);
      }
    }
    if (options.closeGone) for (const gone of old.values()) gone.close();
    // A DNS refresh usually returns the same set: keep the balancer's state (and a big ring) as it is.
    const unchanged = next.length === this.endpoints.length && next.every((ep, i) => ep === this.endpoints[i]);
    this.endpoints = next;
    if (!unchanged || options.fresh) this.balancer.update(next);
  }

  private async resolve(): Promise<void> {
    const resolved: EndpointSpec[] = [];
    for (const s of this.spec.endpoints) {
      const addresses = await lookup(s.host, { all: true, family: this.spec.dnsFamily });
      for (const a of addresses) resolved.push({ ...s, host: a.address });
    }
    if (!this.stopped) this.setEndpoints(resolved);
  }
}

/** What makes an endpoint the same across updates: address, weight, health, transport and announced identity. */
export function endpointKey(s: EndpointSpec): string {
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/${s.weight}/${s.healthy}/${s.transport ?? ''}/${s.identity?.join(',') ?? ''}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
