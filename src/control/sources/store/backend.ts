// What an embedded store needs from its storage: rows keyed by kind/namespace/name, an
// append-only event log, and the revision counter — all synchronous, so a read-then-subscribe
// has no gap. The in-memory and node:sqlite backends implement it.

import type { StoredResource, WatchEvent, Selector } from './store.ts';

export interface Backend {
  getRow(kind: string, namespace: string, name: string): StoredResource | undefined;
  listRows(selector: Selector): StoredResource[];
  revision(): number;
  /** The oldest revision a watch may start from (history before it was compacted). */
  oldestWatchable(): number;
  eventsAfter(revision: number, selector: Selector): WatchEvent[];
  /** Writes `events` (revisions increasing) and the rows they imply, atomically. */
  commit(events: readonly WatchEvent[]): void;
  close(): void;
}

/** Does `r` fall under `selector`? */
export function selects(selector: Selector, r: StoredResource): boolean {
  return (selector.kind === undefined || selector.kind === r.kind) &&
    (selector.namespace === undefined || selector.namespace === (r.metadata.namespace ?? ''));
}

export function compareResources(a: StoredResource, b: StoredResource): number {
  return a.kind.localeCompare(b.kind) || (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
}
