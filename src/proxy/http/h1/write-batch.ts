// Writes held until the event loop has run every I/O callback of its current turn, then made
// together: a write to a loopback or LAN peer that sleeps in epoll_wait costs a wake-up (an
// inter-processor interrupt, dear on a VM), while writes that follow each other closely find
// the peer already awake. Under load a turn serves many connections, so each wake-up is shared;
// at low load a turn has one event and the write leaves a few microseconds later than it would.
// Only small writes are held (heads, with at most a small first body chunk) — bulk data is
// written at once.

export interface Holder {
  /** Writes what it holds, if anything (it may have written it already). */
  releaseHeld(): void;
}

const queue: Holder[] = [];
let scheduled = false;

/** Asks for `holder.releaseHeld()` at the end of this turn (setImmediate runs right after the poll phase). */
export function releaseLater(holder: Holder): void {
  queue.push(holder);
  if (!scheduled) {
    scheduled = true;
    setImmediate(releaseAll);
  }
}

function releaseAll(): void {
  scheduled = false;
  // Index loop: a release never queues more, but if it did the new entry would still be served.
  for (let i = 0; i < queue.length; i++) {
    try {
      queue[i].releaseHeld();
    } catch (err) {
      // A write that throws is a bug further up; the other connections' bytes must still leave.
      process.stderr.write(`weft proxy: held write failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  queue.length = 0;
}
