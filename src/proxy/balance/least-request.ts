// LEAST_REQUEST as Envoy does it: with equal weights, the fewest active requests among `choice_count`
// random endpoints (power of two choices by default); with unequal weights, weighted round robin on
// weight / (active + 1)^active_request_bias, recomputed at every pick.
import type { Endpoint } from '../cluster/endpoint.ts';
import { smoothWeighted } from './round-robin.ts';
import { randomEligible } from './sample.ts';
import { IndexBalancer, type LbPolicy } from './types.ts';

export class LeastRequest extends IndexBalancer {
  readonly policy: LbPolicy & { kind: 'least_request' };
  private weighted = false;
  private current = new Float64Array(0);
  private readonly loadWeight: (ep: Endpoint) => number;

  constructor(policy: LbPolicy & { kind: 'least_request' }) {
    super();
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

  protected choose(exclude: ReadonlySet<Endpoint> | undefined): number {
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
