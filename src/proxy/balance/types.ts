// The balancer contract: a cluster hands its endpoints to a Balancer and asks it for one per request.
// Retries (previous hosts) and outlier detection (ejection) steer it through PickContext and
// Endpoint.ejected; nothing else about a balancer is visible outside this folder.
import type { Endpoint } from '../cluster/endpoint.ts';

export interface PickContext {
  /**
   * The request's hash (uint32) from the route's `hash_policy`; only RING_HASH reads it. Absent when
   * the route has no hash policy or no policy produced a value — RING_HASH then picks at random.
   */
  readonly hash?: number;
  /**
   * Endpoints to avoid (a retry's previous hosts). A preference, as in Envoy: when every usable
   * endpoint is in the set, the pick is made as if the set were empty rather than failing.
   */
  readonly exclude?: ReadonlySet<Endpoint>;
}

/** The policies Weft implements; `peak_ewma` is Weft's extension, the others are Envoy's. */
export type LbPolicy =
  | { readonly kind: 'round_robin' }
  | { readonly kind: 'least_request'; readonly choiceCount: number; readonly activeRequestBias: number }
  | { readonly kind: 'random' }
  | { readonly kind: 'ring_hash'; readonly minimumRingSize: number; readonly maximumRingSize: number }
  | { readonly kind: 'peak_ewma'; readonly decayMs: number; readonly defaultRttMs: number };

export interface Balancer {
  readonly policy: LbPolicy;
  /**
   * One endpoint for a request, or null when none is usable (→ 503 no-healthy-upstream). Usable means
   * `healthy && !ejected`; unusable endpoints are never returned. Allocation-free.
   */
  pick(ctx?: PickContext): Endpoint | null;
  /** The cluster's endpoint set changed (DNS refresh, EDS). Called at config time, never per request. */
  update(endpoints: readonly Endpoint[]): void;
}

/** Whether a balancer may return `ep` at all (health from EDS, ejection from outlier detection). */
export function usable(ep: Endpoint): boolean {
  return ep.healthy && !ep.ejected;
}

/** Usable and not excluded. */
export function eligible(ep: Endpoint, exclude: ReadonlySet<Endpoint> | undefined): boolean {
  return ep.healthy && !ep.ejected && (exclude === undefined || !exclude.has(ep));
}

/**
 * A balancer that chooses an index into its endpoint list. `exclude` is a preference (PickContext):
 * when every usable endpoint is excluded, the choice is made again without it.
 */
export abstract class IndexBalancer implements Balancer {
  abstract readonly policy: LbPolicy;
  protected eps: readonly Endpoint[] = [];

  abstract update(endpoints: readonly Endpoint[]): void;

  /** The index of the endpoint for this request, or -1 when none is eligible. */
  protected abstract choose(exclude: ReadonlySet<Endpoint> | undefined): number;

  pick(ctx?: PickContext): Endpoint | null {
    const exclude = ctx?.exclude;
    const i = this.choose(exclude);
    if (i >= 0) return this.eps[i];
    return exclude !== undefined && exclude.size > 0 ? this.pick() : null;
  }
}
