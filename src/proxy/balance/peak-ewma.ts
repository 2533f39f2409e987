// Weft's default balancer, linkerd2-proxy's: power of two choices on peak-EWMA cost. Two distinct
// eligible endpoints are drawn at random and the cheaper wins, cost = rtt_estimate × (active + 1) /
// weight — latency-aware (a slow endpoint's estimate jumps at its first slow answer) and load-aware
// (requests in flight count before their answers do).
import type { Endpoint } from '../cluster/endpoint.ts';
import { randomEligible } from './sample.ts';
import { IndexBalancer, type LbPolicy } from './types.ts';

const TIE = 1e-3;

/** The cost P2C compares; lower is better. */
export function peakEwmaCost(ep: Endpoint, now: number): number {
  return (ep.latency.valueAt(now) * (ep.activeRequests + 1)) / ep.weight;
}

export class PeakEwma extends IndexBalancer {
  readonly policy: LbPolicy & { kind: 'peak_ewma' };

  constructor(policy: LbPolicy & { kind: 'peak_ewma' }) {
    super();
    this.policy = policy;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.eps = endpoints;
  }

  protected choose(exclude: ReadonlySet<Endpoint> | undefined): number {
    const eps = this.eps;
    const a = randomEligible(eps, exclude, -1);
    if (a < 0) return -1;
    const b = randomEligible(eps, exclude, a);
    if (b < 0) return a;
    const now = performance.now();
    const ca = peakEwmaCost(eps[a], now);
    const cb = peakEwmaCost(eps[b], now);
    // Costs within 0.1 % are a tie: such differences come from when the endpoints were created or last
    // answered, not from their speed, and letting them decide would favour the same endpoint every time.
    if (Math.abs(ca - cb) > TIE * Math.max(ca, cb)) return ca < cb ? a : b;
    // a was drawn first at random, so keeping it on a tie is unbiased.
    return eps[b].activeRequests < eps[a].activeRequests ? b : a;
  }
}
