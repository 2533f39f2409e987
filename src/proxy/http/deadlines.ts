// Route timeouts without a Node timer per request. Every request with the same timeout gets its
// deadline in arrival order, so one FIFO list per duration, kept sorted for free, needs only
// one timer, armed for its head. Arming and disarming a request is a few pointer writes; a
// setTimeout/clearTimeout pair per request allocated a Timeout and reordered Node's timer lists
// (≈ 1 µs per request in the proxy's CPU profile).

/** An entry is the timed object itself (no allocation per request): the list owns these fields. */
export interface Timed {
  deadlineAt: number;
  deadlinePrev: Timed | null;
  deadlineNext: Timed | null;
  deadlineList: DeadlineList | null;
  /** Called once when the deadline passes while still listed. */
  onDeadline(): void;
}

export class DeadlineList {
  private readonly ms: number;
  private head: Timed | null = null;
  private tail: Timed | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onTimer = (): void => this.expire();

  constructor(ms: number) {
    this.ms = ms;
  }

  add(entry: Timed): void {
    entry.deadlineAt = performance.now() + this.ms;
    entry.deadlineList = this;
    entry.deadlinePrev = this.tail;
    entry.deadlineNext = null;
    if (this.tail === null) this.head = entry;
    else this.tail.deadlineNext = entry;
    this.tail = entry;
    if (this.timer === null) this.arm(this.ms);
  }

  /** The timer is left armed: when it fires it re-arms for whatever is then at the head. */
  remove(entry: Timed): void {
    if (entry.deadlineList !== this) return;
    const { deadlinePrev: prev, deadlineNext: next } = entry;
    if (prev === null) this.head = next;
    else prev.deadlineNext = next;
    if (next === null) this.tail = prev;
    else next.deadlinePrev = prev;
    entry.deadlinePrev = entry.deadlineNext = null;
    entry.deadlineList = null;
  }

  private arm(ms: number): void {
    // Unref'd: a pending deadline of a finished request must not keep the process alive; a
    // request in flight keeps it alive through its sockets anyway.
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    const now = performance.now();
    try {
      let entry = this.head;
      while (entry !== null && entry.deadlineAt <= now) {
        this.remove(entry);
        try {
          entry.onDeadline();
        } catch (err) {
          // A timer has no caller to hand the error to; the other entries still fire.
          process.stderr.write(`weft proxy: internal error in a deadline (please report it): ${err instanceof Error ? err.stack : String(err)}\n`);
        }
        entry = this.head;
      }
    } finally {
      if (this.head !== null && this.timer === null) this.arm(this.head.deadlineAt - now);
    }
  }
}

const lists = new Map<number, DeadlineList>();

/** The shared list for one duration (route timeouts take few distinct values). */
export function deadlineList(ms: number): DeadlineList {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list;
}

/** What a Countdown calls when it runs out. */
export interface CountdownOwner {
  onCountdown(countdown: Countdown): void;
}

/** `ms` rounded down to two significant digits (at least 1): 1234 → 1200, 87.6 → 87. */
function twoDigits(ms: number): number {
  if (ms < 1) return 1;
  const whole = Math.floor(ms);
  if (whole < 100) return whole;
  const step = 10 ** (Math.floor(Math.log10(whole)) - 1);
  return Math.floor(whole / step) * step;
}

/**
 * A deadline whose length varies per request (a jittered back-off, a grpc-timeout) on the shared
 * lists, still without a Node timer per request: it waits on the list of its remaining time
 * rounded down to two significant digits, then on the remainder's, so it never fires early, fires
 * within a millisecond or so of its time, and at most ~90 lists per decade of durations exist.
 * One object serves any number of starts (restart it on activity for an idle timeout).
 */
export class Countdown implements Timed {
  deadlineAt = 0;
  deadlinePrev: Timed | null = null;
  deadlineNext: Timed | null = null;
  deadlineList: DeadlineList | null = null;
  private target = 0;
  private readonly owner: CountdownOwner;

  constructor(owner: CountdownOwner) {
    this.owner = owner;
  }

  get running(): boolean {
    return this.deadlineList !== null;
  }

  start(ms: number): void {
    this.deadlineList?.remove(this);
    this.target = performance.now() + ms;
    deadlineList(twoDigits(ms)).add(this);
  }

  stop(): void {
    this.deadlineList?.remove(this);
  }

  onDeadline(): void {
    const left = this.target - performance.now();
    if (left > 0) deadlineList(twoDigits(left)).add(this);
    else this.owner.onCountdown(this);
  }
}
