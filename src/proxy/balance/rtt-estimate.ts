// Peak-sensitive EWMA of an endpoint's response latency, as linkerd2-proxy (tower's PeakEwma): a
// slower response replaces the estimate at once, faster ones pull it down with a time constant, and
// without responses the estimate decays toward zero so an avoided endpoint is eventually tried again.

export interface EwmaOptions {
  /** Time constant τ of the decay, in ms. */
  readonly decayMs: number;
  /** The estimate of an endpoint that has not answered yet, in ms. */
  readonly defaultRttMs: number;
}

/** linkerd2-proxy's defaults (EWMA_DECAY 10 s, EWMA_DEFAULT_RTT 30 ms). */
export const DEFAULT_EWMA: EwmaOptions = { decayMs: 10_000, defaultRttMs: 30 };

export class RttEstimate {
  private readonly decayMs: number;
  private rttMs: number;
  /** performance.now() of the last sample (or of creation). */
  private at: number;
  /** Responses observed. */
  samples = 0;

  constructor(options: EwmaOptions = DEFAULT_EWMA, now = performance.now()) {
    this.decayMs = options.decayMs;
    this.rttMs = options.defaultRttMs;
    this.at = now;
  }

  /** The estimate at `now` (ms): the last one, decayed toward zero for the time without a response. */
  valueAt(now: number): number {
    const dt = now - this.at;
    return dt <= 0 ? this.rttMs : this.rttMs * Math.exp(-dt / this.decayMs);
  }

  /** A response head arrived `sampleMs` after the request left, at `now`. */
  observe(sampleMs: number, now: number): void {
    if (!(sampleMs >= 0)) return; // NaN or a clock step backwards: no information
    if (sampleMs > this.rttMs) {
      this.rttMs = sampleMs; // peak: one slow answer counts fully, at once
    } else {
      // Weight of the old estimate: e^(-Δt/τ) over the time since the previous response, so the
      // estimate's memory is measured in seconds, not in a number of requests.
      const w = Math.exp(-Math.max(0, now - this.at) / this.decayMs);
      this.rttMs = this.rttMs * w + sampleMs * (1 - w);
    }
    this.at = now;
    this.samples++;
  }
}
