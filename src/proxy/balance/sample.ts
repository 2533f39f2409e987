// Uniform and weighted random choice among the eligible endpoints, exact whatever share of them is
// unusable or excluded: a few rejection-sampling draws (O(1) when most are eligible), then an exact
// counting pass. Allocation-free; shared by RANDOM, LEAST_REQUEST and peak-EWMA.
import type { Endpoint } from '../cluster/endpoint.ts';
import { eligible } from './types.ts';
import { randomInt, randomUnit } from './rng.ts';

const DRAWS = 4;

/** Index of a uniformly random eligible endpoint other than index `not` (-1: none), or -1 when there is none. */
export function randomEligible(eps: readonly Endpoint[], exclude: ReadonlySet<Endpoint> | undefined, not: number): number {
  const n = eps.length;
  if (n === 0) return -1;
  for (let d = 0; d < DRAWS; d++) {
    const i = randomInt(n);
    if (i !== not && eligible(eps[i], exclude)) return i;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (i !== not && eligible(eps[i], exclude)) count++;
  if (count === 0) return -1;
  let k = randomInt(count);
  for (let i = 0; i < n; i++) {
    if (i !== not && eligible(eps[i], exclude) && k-- === 0) return i;
  }
  return -1;
}

/**
 * Index of an eligible endpoint drawn with probability proportional to its weight, or -1. `ends` holds
 * the running sums of all endpoints' weights (ends[i] = w0 + … + wi), built once per endpoint set.
 */
export function weightedEligible(eps: readonly Endpoint[], ends: Float64Array, exclude: ReadonlySet<Endpoint> | undefined): number {
  const n = eps.length;
  if (n === 0) return -1;
  const total = ends[n - 1];
  for (let d = 0; d < DRAWS; d++) {
    const x = randomUnit() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    if (eligible(eps[lo], exclude)) return lo;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) if (eligible(eps[i], exclude)) sum += eps[i].weight;
  if (sum === 0) return -1;
  let x = randomUnit() * sum;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (!eligible(eps[i], exclude)) continue;
    last = i;
    x -= eps[i].weight;
    if (x < 0) return i;
  }
  return last; // rounding at the very top of the range
}

/** Running sums of the endpoints' weights, for weightedEligible. */
export function weightEnds(eps: readonly Endpoint[]): Float64Array {
  const ends = new Float64Array(eps.length);
  let acc = 0;
  for (let i = 0; i < eps.length; i++) ends[i] = acc += eps[i].weight;
  return ends;
}
