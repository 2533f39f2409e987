// Envoy's local rate limit token bucket: starts full, gains tokens_per_fill every fill_interval up to
// max_tokens. The fills are worked out from timestamps when a request asks, so no timer runs.

export class TokenBucket {
  private readonly max: number;
  private readonly perFill: number;
  private readonly intervalMs: number;
  private tokens: number;
  /** When the last fill happened (a multiple of the interval after the start). */
  private lastFill: number;

  constructor(maxTokens: number, tokensPerFill: number, fillIntervalMs: number, now: number) {
    this.max = maxTokens;
    this.perFill = tokensPerFill;
    this.intervalMs = fillIntervalMs;
    this.tokens = maxTokens;
    this.lastFill = now;
  }

  /** Takes one token if there is one. `now` is performance.now() (monotonic ms). */
  take(now: number): boolean {
    const elapsed = now - this.lastFill;
    if (elapsed >= this.intervalMs) {
      const fills = Math.floor(elapsed / this.intervalMs);
      this.tokens = Math.min(this.max, this.tokens + fills * this.perFill);
      this.lastFill += fills * this.intervalMs;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  get available(): number {
    return this.tokens;
  }
}
