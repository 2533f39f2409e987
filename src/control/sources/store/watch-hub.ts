// Fans committed events out to watchers. Each watcher has its own queue drained on a
// microtask, so a slow or re-entrant callback never reorders or drops another's events and
// a write returns before any callback runs.

import type { Selector, WatchEvent, Watch } from './store.ts';
import { selects } from './backend.ts';

interface Watcher {
  readonly selector: Selector;
  readonly onEvent: (e: WatchEvent) => void;
  readonly queue: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
}

export class WatchHub {
  readonly #watchers = new Set<Watcher>();

  /** Registers a watcher that first receives `backlog` (already filtered), then live events. */
  add(selector: Selector, backlog: readonly WatchEvent[], onEvent: (e: WatchEvent) => void): Watch {
    const w: Watcher = { selector, onEvent, queue: [...backlog], scheduled: false, closed: false };
    this.#watchers.add(w);
    this.#schedule(w);
    return {
      close: () => {
        w.closed = true;
        w.queue.length = 0;
        this.#watchers.delete(w);
      },
    };
  }

  publish(events: readonly WatchEvent[]): void {
    for (const w of this.#watchers) {
      for (const e of events) if (selects(w.selector, e.object)) w.queue.push(e);
      this.#schedule(w);
    }
  }

  closeAll(): void {
    for (const w of this.#watchers) w.closed = true;
    this.#watchers.clear();
  }

  get size(): number {
    return this.#watchers.size;
  }

  #schedule(w: Watcher): void {
    if (w.scheduled || w.queue.length === 0) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      while (!w.closed && w.queue.length > 0) {
        const e = w.queue.shift()!;
        try {
          w.onEvent(e);
        } catch (err) {
          // One watcher's bug must not stop delivery to the others.
          console.error('weft: a store watcher threw; its event was dropped:', err);
        }
      }
    });
  }
}
