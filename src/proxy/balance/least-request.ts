// LEAST_REQUEST as Envoy does it: with equal weights, the fewest active requests among `choice_count`
// random endpoints (power of two choices by default); with unequal weights, weighted round robin on
// weight / (active + 1)^active_request_bias, recomputed at every pick.
import type { Endpoint } from '../cluster/endpoint.ts';
import { smoothWeighted } from './round-robin.ts';
import { randomEligible } from './sample.ts';
import type { Balancer, LbPolicy, PickContext } from './types.ts';

export class LeastRequest implements Balancer {
  readonly policy: LbPolicy & { kind: 'least_request' };
  private eps: readonly Endpoint[] = [];
  private weighted = false;
  private current = new Float64Array(0);
  private readonly loadWeight: (ep: Endpoint) => number;

  constructor(policy: LbPolicy & { kind: 'least_request' }) {
    this.policy = policy;
    const bias = policy.activeRequestBias;
    // Envoy special-cases the common biases to avoid pow().
    this.loadWeight = bias === 0 ? (ep) => ep.weight : bias === 1 ? (ep) => ep.weight / (ep.activeRequests + 1) : (ep) => ep.weight / (ep.activeRequests + 1) ** bias;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.eps = endpoints;
    this.current = new Float64Array(endpoints.length);
    this.weighted = endpoints.some((ep) => ep.weight !== endpoints[0].weight);
  }

  pick(ctx?: PickContext): Endpoint | null {
    const exclude = ctx?.exclude;
    const i = this.choose(exclude);
    if (i >= 0) return this.eps[i];
    return exclude !== undefined && exclude.size > 0 ? this.pick() : null;
  }

  private choose(exclude: ReadonlySet<Endpoint> | undefined): number {
    const eps = this.eps;
    if (this.weighted) return smoothWeighted(eps, this.current, exclude, this.loadWeight);
    // Envoy draws the candidates with replacement and keeps the first of equals.
    let best = randomEligible(eps, exclude, -1);
    if (best < 0) return -1;
    for (let c = 1; c < this.policy.choiceCount; c++) {
      const i = randomEligible(eps, exclude, -1);
      if (eps[i].activeRequests < eps[best].activeRequests) best = i;
    }
    return best;
  }
}
