// Keeps an in-memory copy of every resource in the store, current as of a revision, for the
// model and the xDS server: list once, then follow the watch from the list's revision. When
// the watch's history is gone (WEFT_GONE), it lists again — nothing is missed either way.

import { isWeftError } from '../../core/errors.ts';
import type { Resource } from '../../api/index.ts';
import type { Store, Watch, WatchEvent } from './store/index.ts';

export interface FeedUpdate {
  readonly revision: number;
  /** Every resource, sorted by kind, namespace, name. */
  readonly resources: readonly Resource[];
}

export interface ResourceFeed {
  /** The latest state. */
  current(): FeedUpdate;
  close(): void;
}

const keyOf = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;

/**
 * Calls `onUpdate` with the full state after the initial list and after each batch of changes
 * (events that arrive together are delivered as one update).
 */
export async function followStore(store: Store, onUpdate: (update: FeedUpdate) => void): Promise<ResourceFeed> {
  const byKey = new Map<string, Resource>();
  let revision = 0;
  let watch: Watch | undefined;
  let closed = false;
  let pending = false;

  const snapshot = (): FeedUpdate => ({
    revision,
    resources: [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r),
  });

  const flush = () => {
    pending = false;
    if (!closed) onUpdate(snapshot());
  };

  const onEvent = (e: WatchEvent) => {
    if (closed) return;
    if (e.type === 'DELETED') byKey.delete(keyOf(e.object));
    else byKey.set(keyOf(e.object), e.object);
    revision = e.revision;
    if (!pending) {
      pending = true;
      // Events of one write batch are delivered in one microtask run: coalesce them.
      setImmediate(flush);
    }
  };

  const resync = async (): Promise<void> => {
    const list = await store.list();
    byKey.clear();
    for (const r of list.items) byKey.set(keyOf(r), r);
    revision = list.revision;
    try {
      watch = await store.watch({}, list.revision, onEvent);
    } catch (err) {
      if (isWeftError(err) && err.code === 'WEFT_GONE') return resync();
      throw err;
    }
    onUpdate(snapshot());
  };

  await resync();
  return {
    current: snapshot,
    close: () => {
      closed = true;
      watch?.close();
    },
  };
}
