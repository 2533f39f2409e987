// The Store on top of a synchronous Backend (memory or node:sqlite): plans every write with
// planApply, commits the batch atomically, then publishes the events to watchers.

import { randomUUID } from 'node:crypto';
import { WeftError } from '../../../core/errors.ts';
import { describeKey, type Resource, type ResourceKey } from '../../../api/index.ts';
import type { Store, StoredResource, ApplyResult, ListResult, Selector, Watch, WatchEvent, WriteOptions } from './store.ts';
import type { Backend } from './backend.ts';
import { planApply } from './apply-plan.ts';
import { WatchHub } from './watch-hub.ts';

export interface EmbeddedOptions {
  /** Clock for creationTimestamp (tests pin it). */
  readonly now?: () => Date;
}

export class EmbeddedStore implements Store {
  readonly #backend: Backend;
  readonly #hub = new WatchHub();
  readonly #now: () => Date;
  #closed = false;

  constructor(backend: Backend, options: EmbeddedOptions = {}) {
    this.#backend = backend;
    this.#now = options.now ?? (() => new Date());
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    this.#open();
    return this.#backend.getRow(key.kind, key.namespace, key.name);
  }

  async list(selector: Selector = {}): Promise<ListResult> {
    this.#open();
    return { items: this.#backend.listRows(selector), revision: this.#backend.revision() };
  }

  async apply(resources: readonly Resource[], options: WriteOptions = {}): Promise<readonly ApplyResult[]> {
    this.#open();
    let revision = this.#backend.revision();
    const now = this.#now();
    // Later documents in the batch see earlier ones (a file may name a resource once only,
    // but the planner must not read stale rows if it ever does).
    const pending = new Map<string, StoredResource>();
    const events: WatchEvent[] = [];
    const results: ApplyResult[] = [];
    for (const r of resources) {
      const k = `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
      const current = pending.get(k) ?? this.#backend.getRow(r.kind, r.metadata.namespace ?? '', r.metadata.name);
      const planned = planApply(current, r, revision + 1, now, randomUUID);
      if (planned.outcome !== 'unchanged') {
        revision++;
        pending.set(k, planned.next);
        events.push({ type: planned.outcome === 'created' ? 'ADDED' : 'MODIFIED', revision, object: planned.next });
      }
      results.push({ outcome: planned.outcome, resource: planned.next });
    }
    if (!options.dryRun && events.length > 0) {
      this.#backend.commit(events);
      this.#hub.publish(events);
    }
    return results;
  }

  async delete(key: ResourceKey, options: WriteOptions & { resourceVersion?: string } = {}): Promise<StoredResource> {
    this.#open();
    const current = this.#backend.getRow(key.kind, key.namespace, key.name);
    if (!current) throw new WeftError('WEFT_NOT_FOUND', `${describeKey(key)} not found`);
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
      throw new WeftError('WEFT_CONFLICT', `${describeKey(key)}: the object has been modified (resourceVersion ${current.metadata.resourceVersion}, the delete was made against ${options.resourceVersion})`);
    }
    const revision = this.#backend.revision() + 1;
    const last: StoredResource = Object.freeze({ ...current, metadata: Object.freeze({ ...current.metadata, resourceVersion: String(revision) }) });
    if (!options.dryRun) {
      const event: WatchEvent = { type: 'DELETED', revision, object: last };
      this.#backend.commit([event]);
      this.#hub.publish([event]);
    }
    return last;
  }

  async watch(selector: Selector, from: number | undefined, onEvent: (e: WatchEvent) => void): Promise<Watch> {
    this.#open();
    let backlog: WatchEvent[];
    if (from === undefined) {
      const revision = this.#backend.revision();
      backlog = this.#backend.listRows(selector).map((object) => ({ type: 'ADDED', revision, object }));
    } else {
      const oldest = this.#backend.oldestWatchable();
      const latest = this.#backend.revision();
      if (from > latest) {
        // A client ahead of the store saw a store that no longer exists (a reset data directory).
        throw new WeftError('WEFT_GONE', `resourceVersion ${from} is newer than the store's (${latest}): the store was reset; list again and watch from the list's resourceVersion`);
      }
      if (from < oldest) {
        throw new WeftError('WEFT_GONE', `resourceVersion ${from} is too old (history starts at ${oldest}); list again and watch from the list's resourceVersion`);
      }
      backlog = this.#backend.eventsAfter(from, selector);
    }
    // Reading the backlog and subscribing happen in one synchronous step: no event falls between.
    return this.#hub.add(selector, backlog, onEvent);
  }

  async revision(): Promise<number> {
    this.#open();
    return this.#backend.revision();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.closeAll();
    this.#backend.close();
  }

  #open(): void {
    if (this.#closed) throw new WeftError('WEFT_INTERNAL', 'the store is closed');
  }
}
