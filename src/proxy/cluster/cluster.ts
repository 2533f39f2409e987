// A cluster: a named set of endpoints, how to find them (static or DNS), and how to pick one.
import { lookup } from 'node:dns/promises';
import { Endpoint, type UpstreamProtocol } from './endpoint.ts';
import { RetryBudget, type RetryLimit } from './retry-budget.ts';

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
  readonly retryLimit: RetryLimit;
}

export class Cluster {
  readonly spec: ClusterSpec;
  endpoints: Endpoint[] = [];
  readonly retryBudget: RetryBudget;
  private next = 0;
  private dnsTimer: NodeJS.Timeout | null = null;
  // Smooth weighted round robin (as nginx): current weights per endpoint index.
  private current: number[] = [];
  private weighted = false;

  constructor(spec: ClusterSpec) {
    this.spec = spec;
    this.retryBudget = new RetryBudget(spec.retryLimit, this);
    if (spec.discovery === 'static') this.setEndpoints(spec.endpoints);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Resolves DNS names once before serving, then keeps refreshing in the background. */
  async start(): Promise<void> {
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

  /**
   * Round robin over healthy endpoints (weighted when weights differ). `exclude` (the hosts a
   * retry already tried) is skipped while another healthy endpoint exists.
   */
  pick(exclude?: readonly Endpoint[]): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return null;
    if (this.weighted) return this.pickWeighted(exclude) ?? (exclude ? this.pickWeighted() : null);
    for (let tries = 0; tries < n; tries++) {
      const ep = eps[this.next];
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      if (ep.healthy && !exclude?.includes(ep)) return ep;
    }
    return exclude ? this.pick() : null;
  }

  close(): void {
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    for (const ep of this.endpoints) ep.close();
  }

  private pickWeighted(exclude?: readonly Endpoint[]): Endpoint | null {
    let best = -1;
    let total = 0;
    const eps = this.endpoints;
    for (let i = 0; i < eps.length; i++) {
      if (!eps[i].healthy || exclude?.includes(eps[i])) continue;
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
        next.push(new Endpoint(s.host, s.port, s.weight, s.healthy, this.spec.protocol, this.spec.connectTimeoutMs));
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
