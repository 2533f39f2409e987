// A cluster: a named set of endpoints, how to find them (static or DNS), and its balancer.
import { lookup } from 'node:dns/promises';
import { createBalancer, DEFAULT_EWMA, type Balancer, type EwmaOptions, type LbPolicy, type PickContext } from '../balance/index.ts';
import { Endpoint, type UpstreamProtocol } from './endpoint.ts';

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
  readonly lb: LbPolicy;
}

export class Cluster {
  readonly spec: ClusterSpec;
  endpoints: Endpoint[] = [];
  readonly balancer: Balancer;
  /** Whether the balancer reads PickContext.hash (RING_HASH), so routes compute their hash_policy only then. */
  readonly usesHash: boolean;
  private readonly ewma: EwmaOptions;
  private dnsTimer: NodeJS.Timeout | null = null;

  constructor(spec: ClusterSpec) {
    this.spec = spec;
    this.balancer = createBalancer(spec.lb);
    this.usesHash = spec.lb.kind === 'ring_hash';
    // Every endpoint keeps a latency estimate (/clusters shows it); peak-EWMA clusters tune it.
    this.ewma = spec.lb.kind === 'peak_ewma' ? spec.lb : DEFAULT_EWMA;
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

  /** An endpoint for one request (see Balancer.pick), or null when none is usable. */
  pick(ctx?: PickContext): Endpoint | null {
    return this.balancer.pick(ctx);
  }

  close(): void {
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    for (const ep of this.endpoints) ep.close();
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
        next.push(new Endpoint(s.host, s.port, s.weight, s.healthy, this.spec.protocol, this.spec.connectTimeoutMs, this.ewma));
      }
    }
    for (const gone of old.values()) gone.close();
    // A DNS refresh usually returns the same set: keep the balancer's state (and a big ring) as it is.
    const unchanged = next.length === this.endpoints.length && next.every((ep, i) => ep === this.endpoints[i]);
    this.endpoints = next;
    if (!unchanged) this.balancer.update(next);
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
