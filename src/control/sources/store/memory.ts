// In-memory backend: for tests and `weft control-plane --in-memory`; state ends with the process.

import type { Backend } from './backend.ts';
import { selects, compareResources } from './backend.ts';
import type { StoredResource, WatchEvent, Selector } from './store.ts';
import { EmbeddedStore, type EmbeddedOptions } from './embedded.ts';

/** Watch history kept by default (events); older revisions are WEFT_GONE. */
export const DEFAULT_HISTORY = 10_000;

class MemoryBackend implements Backend {
  readonly #rows = new Map<string, StoredResource>();
  #events: WatchEvent[] = [];
  #revision = 0;
  #compacted = 0;
  readonly #history: number;

  constructor(history: number) {
    this.#history = history;
  }

  getRow(kind: string, namespace: string, name: string): StoredResource | undefined {
    return this.#rows.get(`${kind}/${namespace}/${name}`);
  }

  listRows(selector: Selector): StoredResource[] {
    return [...this.#rows.values()].filter((r) => selects(selector, r)).sort(compareResources);
  }

  revision(): number {
    return this.#revision;
  }

  oldestWatchable(): number {
    return this.#compacted;
  }

  eventsAfter(revision: number, selector: Selector): WatchEvent[] {
    return this.#events.filter((e) => e.revision > revision && selects(selector, e.object));
  }

  commit(events: readonly WatchEvent[]): void {
    for (const e of events) {
      const m = e.object.metadata;
      const key = `${e.object.kind}/${m.namespace ?? ''}/${m.name}`;
      if (e.type === 'DELETED') this.#rows.delete(key);
      else this.#rows.set(key, e.object);
      this.#events.push(e);
      this.#revision = e.revision;
    }
    if (this.#events.length > this.#history) {
      const drop = this.#events.length - this.#history;
      this.#compacted = this.#events[drop - 1].revision;
      this.#events = this.#events.slice(drop);
    }
  }

  close(): void {}
}

export function openMemoryStore(options: EmbeddedOptions & { history?: number } = {}): EmbeddedStore {
  return new EmbeddedStore(new MemoryBackend(options.history ?? DEFAULT_HISTORY), options);
}
