// ROUND_ROBIN: plain rotation when all weights are equal; smooth weighted round robin (nginx's) when
// they differ, which spreads a heavy endpoint's turns evenly instead of in bursts.
import type { Endpoint } from '../cluster/endpoint.ts';
import { eligible, IndexBalancer, type LbPolicy } from './types.ts';
import { randomInt } from './rng.ts';

/**
 * Smooth weighted round robin over the eligible endpoints: every one gains its weight, the richest is
 * picked and pays the total. `weightOf` may vary between calls (LEAST_REQUEST's load-adjusted weights).
 * Returns -1 when none is eligible.
 */
export function smoothWeighted(
  eps: readonly Endpoint[], current: Float64Array, exclude: ReadonlySet<Endpoint> | undefined, weightOf: (ep: Endpoint) => number,
): number {
  let best = -1;
  let total = 0;
  for (let i = 0; i < eps.length; i++) {
    if (!eligible(eps[i], exclude)) continue;
    const w = weightOf(eps[i]);
    current[i] += w;
    total += w;
    if (best < 0 || current[i] > current[best]) best = i;
  }
  if (best >= 0) current[best] -= total;
  return best;
}

const STATIC_WEIGHT = (ep: Endpoint): number => ep.weight;

export class RoundRobin extends IndexBalancer {
  readonly policy: LbPolicy = { kind: 'round_robin' };
  private next = 0;
  private weighted = false;
  private current = new Float64Array(0);

  update(endpoints: readonly Endpoint[]): void {
    this.eps = endpoints;
    this.current = new Float64Array(endpoints.length);
    this.weighted = endpoints.some((ep) => ep.weight !== endpoints[0].weight);
    // A random start, as Envoy does, so proxies that load the same config do not all begin on one host.
    this.next = randomInt(Math.max(1, endpoints.length));
  }

  protected choose(exclude: ReadonlySet<Endpoint> | undefined): number {
    const eps = this.eps;
    if (this.weighted) return smoothWeighted(eps, this.current, exclude, STATIC_WEIGHT);
    const n = eps.length;
    for (let tries = 0; tries < n; tries++) {
      const i = this.next;
      this.next = i + 1 === n ? 0 : i + 1;
      if (eligible(eps[i], exclude)) return i;
    }
    return -1;
  }
}
