// RANDOM: an eligible endpoint drawn with probability proportional to its weight.
import type { Endpoint } from '../cluster/endpoint.ts';
import { weightEnds, weightedEligible } from './sample.ts';
import type { Balancer, LbPolicy, PickContext } from './types.ts';

export class Random implements Balancer {
  readonly policy: LbPolicy = { kind: 'random' };
  private eps: readonly Endpoint[] = [];
  private ends: Float64Array = new Float64Array(0);

  update(endpoints: readonly Endpoint[]): void {
    this.eps = endpoints;
    this.ends = weightEnds(endpoints);
  }

  pick(ctx?: PickContext): Endpoint | null {
    const exclude = ctx?.exclude;
    const i = weightedEligible(this.eps, this.ends, exclude);
    if (i >= 0) return this.eps[i];
    return exclude !== undefined && exclude.size > 0 ? this.pick() : null;
  }
}
