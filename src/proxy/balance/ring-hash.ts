// RING_HASH (Ketama-style consistent hashing) as Envoy builds it: every endpoint gets points on a
// 32-bit ring in proportion to its weight, at least `minimum_ring_size` in total and at most
// `maximum_ring_size`; a request goes to the first point at or after its hash. The ring holds every
// endpoint, usable or not: a pick walks past unusable and excluded ones, so a host going down or being
// ejected moves only its own keys, and nothing is rebuilt per request or per health change.
import type { Endpoint } from '../cluster/endpoint.ts';
import { xxhash32 } from './hash.ts';
import { eligible, type Balancer, type LbPolicy, type PickContext } from './types.ts';
import { randomUint32 } from './rng.ts';

export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;
/** 2^20: room for a million endpoints beside a 32-bit hash in one double (2^52). */
const RANK_SPACE = 0x10_0000;

export class RingHash implements Balancer {
  readonly policy: LbPolicy & { kind: 'ring_hash' };
  private eps: readonly Endpoint[] = [];
  /** Sorted point hashes, and the endpoint index of each point. */
  private hashes = new Uint32Array(0);
  private owners = new Int32Array(0);

  constructor(policy: LbPolicy & { kind: 'ring_hash' }) {
    this.policy = policy;
  }

  /** Points on the ring (for tests and /clusters). */
  get ringSize(): number {
    return this.hashes.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.eps = endpoints;
    const n = endpoints.length;
    if (n === 0) {
      this.hashes = new Uint32Array(0);
      this.owners = new Int32Array(0);
      return;
    }
    // Envoy's sizing (ring_hash_lb.cc): scale so the lightest endpoint gets at least one point per
    // 1/minimum_ring_size of the ring, capped at maximum_ring_size.
    let total = 0;
    for (const ep of endpoints) total += ep.weight;
    let minWeight = 1;
    for (const ep of endpoints) minWeight = Math.min(minWeight, ep.weight / total);
    const { minimumRingSize, maximumRingSize } = this.policy;
    const scale = Math.min(Math.ceil(minWeight * minimumRingSize) / minWeight, maximumRingSize);
    const size = Math.ceil(scale);
    if (n > RANK_SPACE) throw new RangeError(`ring hash: ${n} endpoints is more than the ${RANK_SPACE} a ring can index`);
    // Points are sorted as one number, hash × 2^20 + rank (exact in a double), in a typed array: no
    // object per point, even for an 8M-point ring. The rank is the endpoint's place in address order,
    // so ties between equal hashes (rare with 32 bits) do not depend on the order endpoints came in.
    const byAddress = endpoints.map((_, i) => i).sort((x, y) => (endpoints[x].address < endpoints[y].address ? -1 : endpoints[x].address > endpoints[y].address ? 1 : 0));
    const rank = new Int32Array(n);
    byAddress.forEach((e, r) => (rank[e] = r));
    const keys = new Float64Array(size);
    let count = 0;
    let current = 0;
    let target = 0;
    for (let e = 0; e < n && count < size; e++) {
      target += (scale * endpoints[e].weight) / total;
      for (let i = 0; current < target && count < size; i++, current++) {
        keys[count++] = xxhash32(`${endpoints[e].address}_${i}`) * RANK_SPACE + rank[e];
      }
    }
    const sorted = keys.subarray(0, count).sort();
    this.hashes = new Uint32Array(count);
    this.owners = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const r = sorted[i] % RANK_SPACE;
      this.hashes[i] = (sorted[i] - r) / RANK_SPACE;
      this.owners[i] = byAddress[r];
    }
  }

  pick(ctx?: PickContext): Endpoint | null {
    const hash = ctx?.hash ?? randomUint32();
    const exclude = ctx?.exclude;
    const found = this.walk(hash, exclude);
    if (found !== null) return found;
    return exclude !== undefined && exclude.size > 0 ? this.walk(hash, undefined) : null;
  }

  private walk(hash: number, exclude: ReadonlySet<Endpoint> | undefined): Endpoint | null {
    const hashes = this.hashes;
    const size = hashes.length;
    if (size === 0) return null;
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let step = 0; step < size; step++) {
      const at = lo + step < size ? lo + step : lo + step - size;
      const ep = this.eps[this.owners[at]];
      if (eligible(ep, exclude)) return ep;
    }
    return null;
  }
}
