// Jittered exponential backoff for reconnect loops: base × multiplier^attempt, capped, with "equal
// jitter" (half fixed, half random) so a fleet of proxies does not reconnect in lockstep.

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly multiplier?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  readonly random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call backs off further. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.attempt);
    this.attempt++;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  /** After a success: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
