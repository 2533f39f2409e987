// proxy/balance: endpoint selection for a cluster — ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and
// Weft's default peak-EWMA P2C — behind one Balancer contract (types.ts).
import { LeastRequest } from './least-request.ts';
import { PeakEwma } from './peak-ewma.ts';
import { Random } from './random.ts';
import { RingHash } from './ring-hash.ts';
import { RoundRobin } from './round-robin.ts';
import type { Balancer, LbPolicy } from './types.ts';

export { lbPolicyOf } from './policy.ts';
export type { Balancer, LbPolicy, PickContext } from './types.ts';
export { usable, eligible } from './types.ts';
export { RttEstimate, DEFAULT_EWMA, type EwmaOptions } from './rtt-estimate.ts';
export { DEFAULT_MAX_RING_SIZE, DEFAULT_MIN_RING_SIZE } from './ring-hash.ts';
export { xxhash32, combineHash } from './hash.ts';

/** A fresh balancer for `policy`, with no endpoints yet (call update). */
export function createBalancer(policy: LbPolicy): Balancer {
  switch (policy.kind) {
    case 'round_robin':
      return new RoundRobin();
    case 'least_request':
      return new LeastRequest(policy);
    case 'random':
      return new Random();
    case 'ring_hash':
      return new RingHash(policy);
    case 'peak_ewma':
      return new PeakEwma(policy);
  }
}
