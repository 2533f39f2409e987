// Request delays without a Node timer per request: every held request sits in one binary heap
// ordered by its end time, and one timer is armed for the earliest. Adding or removing a request
// is O(log n) pointer work; the timer is only re-armed when a new request ends before the current
// earliest (never for a fixed delay, whose requests end in arrival order). Header-controlled
// delays take any duration, so a per-duration FIFO list (deadlines.ts) would grow one list per
// value a client sends; the heap has no such state.

/** An entry is the delayed object itself (no allocation per request): the queue owns these fields. */
export interface Delayed {
  delayAt: number;
  /** Position in the heap; -1 when not queued. */
  delayIndex: number;
  /** Called once when the delay has passed while still queued. */
  onDelayEnd(): void;
}

/** setTimeout's limit; a longer delay re-arms when the timer fires early. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DelayQueue {
  private readonly heap: Delayed[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private readonly onTimer = (): void => this.expire();
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  get size(): number {
    return this.heap.length;
  }

  add(entry: Delayed, ms: number): void {
    entry.delayAt = this.now() + ms;
    entry.delayIndex = this.heap.length;
    this.heap.push(entry);
    this.up(entry.delayIndex);
    if (entry.delayAt < this.timerAt) this.arm(entry.delayAt);
  }

  /** The timer is left armed: when it fires it re-arms for whatever is then the earliest. */
  remove(entry: Delayed): void {
    const i = entry.delayIndex;
    if (i < 0) return;
    entry.delayIndex = -1;
    const last = this.heap.pop()!;
    if (last === entry) return;
    this.heap[i] = last;
    last.delayIndex = i;
    this.down(i);
    this.up(last.delayIndex);
  }

  /** Ends every delay that is due (the timer calls it; tests may too). */
  expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.now();
    try {
      while (this.heap.length > 0 && this.heap[0].delayAt <= now) {
        const entry = this.heap[0];
        this.remove(entry);
        entry.onDelayEnd();
      }
    } finally {
      if (this.heap.length > 0 && this.timer === null) this.arm(this.heap[0].delayAt);
    }
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    // Unref'd: a request in flight keeps the process alive through its sockets anyway.
    this.timer = setTimeout(this.onTimer, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(at - this.now()))));
    this.timer.unref();
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].delayAt <= entry.delayAt) break;
      heap[i] = heap[parent];
      heap[i].delayIndex = i;
      i = parent;
    }
    heap[i] = entry;
    entry.delayIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1].delayAt < heap[child].delayAt) child++;
      if (heap[child].delayAt >= entry.delayAt) break;
      heap[i] = heap[child];
      heap[i].delayIndex = i;
      i = child;
    }
    heap[i] = entry;
    entry.delayIndex = i;
  }
}

/** The proxy's one queue of delayed requests. */
export const delayQueue = new DelayQueue();
