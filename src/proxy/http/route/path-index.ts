// A run of consecutive case-sensitive prefix/path routes, looked up by hashing the request path's
// prefixes at each configured length instead of testing every route in turn. Returns what the
// in-order scan would (Envoy's first match wins); it only skips routes that cannot match.

import type { RequestView } from './request-view.ts';

export interface IndexedRoute {
  /** true for `path` (exact), false for `prefix`. */
  readonly exact: boolean;
  readonly value: string;
  /** The route's other matchers (headers, query); null when it has none. */
  readonly rest: ((view: RequestView) => boolean) | null;
}

/**
 * Hashing costs about as much as testing this many routes one by one (route.bench.ts), so a run
 * keeps this many routes as a plain scan in front of its index: early matches stay cheap and deep
 * ones stop growing with the table.
 */
export const SCAN_BEFORE_INDEX = 8;

function add(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (list) list.push(position);
  else map.set(key, [position]);
}

export class PathIndex {
  private readonly lengths: number[];
  private readonly prefixes = new Map<string, number[]>();
  private readonly exact = new Map<string, number[]>();
  private readonly rest: IndexedRoute['rest'][];

  constructor(routes: readonly IndexedRoute[]) {
    const lengths = new Set<number>();
    routes.forEach((r, i) => {
      if (r.exact) add(this.exact, r.value, i);
      else {
        add(this.prefixes, r.value, i);
        lengths.add(r.value.length);
      }
    });
    this.lengths = [...lengths].sort((a, b) => a - b);
    this.rest = routes.map((r) => r.rest);
  }

  /** Position of the first route that matches, or -1. */
  first(view: RequestView): number {
    const path = view.req.path;
    const end = view.end;
    let best = Infinity;
    for (const n of this.lengths) {
      if (n > end) break;
      const ids = this.prefixes.get(n === path.length ? path : path.slice(0, n));
      if (ids !== undefined) best = this.scan(ids, best, view);
    }
    if (this.exact.size > 0) {
      const ids = this.exact.get(view.pathOnly());
      if (ids !== undefined) best = this.scan(ids, best, view);
    }
    return best === Infinity ? -1 : best;
  }

  /** The first of `ids` (ascending) below `best` whose other matchers hold, else `best`. */
  private scan(ids: readonly number[], best: number, view: RequestView): number {
    for (const id of ids) {
      if (id >= best) break;
      const rest = this.rest[id];
      if (rest === null || rest(view)) return id;
    }
    return best;
  }
}
