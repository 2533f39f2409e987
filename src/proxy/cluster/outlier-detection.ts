// Outlier detection (Envoy's cluster `outlier_detection`): each endpoint's attempt results feed
// consecutive-error counters and per-interval success counts; one timer per cluster evaluates
// success rate and failure percentage, and ends ejections whose time is up.
import type { UpstreamFailure } from '../http/stream.ts';
import { durationMs, OUTLIER_DEFAULTS, type OutlierDetection as EnvoyOutlierDetection } from '../../xds/envoy/index.ts';

/** What one upstream attempt ended with: an HTTP status, a local-origin failure, or the route timeout. */
export type AttemptResult = number | UpstreamFailure | 'timeout';

export type EjectionReason =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'success_rate_local_origin'
  | 'failure_percentage'
  | 'failure_percentage_local_origin';

interface RateCheck {
  readonly minimumHosts: number;
  readonly requestVolume: number;
  /** Percent (0–100) of detections that eject, for external-origin and local-origin results. */
  readonly enforcing: number;
  readonly enforcingLocalOrigin: number;
}

export interface OutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectionJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly splitExternalLocalOriginErrors: boolean;
  /** Thresholds; 0 turns a check off. */
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  /** Percent of detections that eject, per reason. */
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly successRate: RateCheck & { readonly stdevFactor: number };
  readonly failurePercentage: RateCheck & { readonly threshold: number };
}

/** The decoded Envoy message (defaults already filled in by the decoder) in milliseconds and fractions. */
export function outlierConfig(o: EnvoyOutlierDetection): OutlierConfig {
  const d = OUTLIER_DEFAULTS;
  const baseEjectionMs = durationMs(o.base_ejection_time ?? d.base_ejection_time);
  return {
    intervalMs: durationMs(o.interval ?? d.interval),
    baseEjectionMs,
    // Envoy: when unset, the larger of 300 s and base_ejection_time.
    maxEjectionMs: o.max_ejection_time === undefined ? Math.max(durationMs(d.max_ejection_time), baseEjectionMs) : durationMs(o.max_ejection_time),
    maxEjectionJitterMs: durationMs(o.max_ejection_time_jitter ?? '0s'),
    maxEjectionPercent: o.max_ejection_percent ?? d.max_ejection_percent,
    alwaysEjectOneHost: o.always_eject_one_host ?? false,
    splitExternalLocalOriginErrors: o.split_external_local_origin_errors ?? false,
    consecutive5xx: o.consecutive_5xx ?? d.consecutive_5xx,
    consecutiveGatewayFailure: o.consecutive_gateway_failure ?? d.consecutive_gateway_failure,
    consecutiveLocalOriginFailure: o.consecutive_local_origin_failure ?? d.consecutive_local_origin_failure,
    enforcingConsecutive5xx: o.enforcing_consecutive_5xx ?? 100,
    enforcingConsecutiveGatewayFailure: o.enforcing_consecutive_gateway_failure ?? 0,
    enforcingConsecutiveLocalOriginFailure: o.enforcing_consecutive_local_origin_failure ?? 100,
    successRate: {
      minimumHosts: o.success_rate_minimum_hosts ?? d.success_rate_minimum_hosts,
      requestVolume: o.success_rate_request_volume ?? d.success_rate_request_volume,
      stdevFactor: (o.success_rate_stdev_factor ?? d.success_rate_stdev_factor) / 1000,
      enforcing: o.enforcing_success_rate ?? 100,
      enforcingLocalOrigin: o.enforcing_local_origin_success_rate ?? 100,
    },
    failurePercentage: {
      threshold: o.failure_percentage_threshold ?? d.failure_percentage_threshold,
      minimumHosts: o.failure_percentage_minimum_hosts ?? d.failure_percentage_minimum_hosts,
      requestVolume: o.failure_percentage_request_volume ?? d.failure_percentage_request_volume,
      enforcing: o.enforcing_failure_percentage ?? 0,
      enforcingLocalOrigin: o.enforcing_failure_percentage_local_origin ?? 0,
    },
  };
}

/** What the detector needs of an endpoint; `ejected` is what the balancer reads. */
export interface OutlierHost {
  readonly address: string;
  ejected: boolean;
  outlier: OutlierMonitor | null;
}

/** Where decisions are counted (bound once per cluster). */
export interface OutlierEvents {
  ejected(reason: EjectionReason): void;
  /** Detected but not enforced (the `enforcing_*` percentage said no). */
  detected(reason: EjectionReason): void;
  /** Detected, but ejecting would pass max_ejection_percent. */
  overflowed(reason: EjectionReason): void;
}

const NO_EVENTS: OutlierEvents = { ejected() {}, detected() {}, overflowed() {} };

/** One endpoint's outlier state. `record` is the per-attempt hook: a few integer updates. */
export class OutlierMonitor {
  private readonly detector: OutlierDetector;
  readonly host: OutlierHost;
  private consecutive5xx = 0;
  private consecutiveGateway = 0;
  private consecutiveLocal = 0;
  // This interval's counts, external origin (HTTP statuses) and local origin (transport outcomes).
  externalTotal = 0;
  externalOk = 0;
  localTotal = 0;
  localOk = 0;
  /** Success rates of the last finished interval, in percent; -1 below the request volume. */
  lastSuccessRate = -1;
  lastLocalSuccessRate = -1;
  /** Times ejected since the proxy started. */
  ejections = 0;
  /** Envoy's backoff multiplier: the next ejection lasts base × this (capped). */
  backoff = 0;
  reason: EjectionReason | null = null;
  ejectedAt = 0;
  ejectedForMs = 0;
  unejectedAt = -1;

  constructor(detector: OutlierDetector, host: OutlierHost) {
    this.detector = detector;
    this.host = host;
  }

  record(result: AttemptResult): void {
    if (result === 'overflow') return; // the request never reached the endpoint
    const split = this.detector.config.splitExternalLocalOriginErrors;
    if (typeof result === 'number') {
      if (split) {
        this.localTotal++;
        this.localOk++;
        this.consecutiveLocal = 0;
      }
      this.status(result);
      return;
    }
    // Without the split a local failure counts as the status the proxy answers with (Envoy's mapping).
    if (!split) return this.status(result === 'timeout' || result === 'connect-timeout' ? 504 : 503);
    this.localTotal++;
    const limit = this.detector.config.consecutiveLocalOriginFailure;
    if (++this.consecutiveLocal === limit) {
      this.consecutiveLocal = 0;
      this.detector.consider(this, 'consecutive_local_origin_failure');
    }
  }

  private status(code: number): void {
    this.externalTotal++;
    if (code < 500 || code > 599) {
      this.externalOk++;
      this.consecutive5xx = 0;
      this.consecutiveGateway = 0;
      return;
    }
    const config = this.detector.config;
    if (code >= 502 && code <= 504) {
      if (++this.consecutiveGateway === config.consecutiveGatewayFailure) {
        this.consecutiveGateway = 0;
        this.detector.consider(this, 'consecutive_gateway_failure');
      }
    } else {
      this.consecutiveGateway = 0;
    }
    if (++this.consecutive5xx === config.consecutive5xx) {
      this.consecutive5xx = 0;
      this.detector.consider(this, 'consecutive_5xx');
    }
  }

  /** Milliseconds until re-admission (0 when not ejected). */
  remainingMs(now: number): number {
    return this.host.ejected ? Math.max(0, this.ejectedAt + this.ejectedForMs - now) : 0;
  }
}

interface Rated {
  readonly monitor: OutlierMonitor;
  readonly rate: number;
}

/** The cluster's detector: eject decisions, the interval timer, un-ejection. */
export class OutlierDetector {
  readonly config: OutlierConfig;
  private hosts: () => readonly OutlierHost[];
  private readonly events: OutlierEvents;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | null = null;
  /** Last interval's success-rate average and ejection threshold (percent), -1 when not computed. */
  successRateAverage = -1;
  successRateThreshold = -1;

  constructor(
    config: OutlierConfig,
    hosts: () => readonly OutlierHost[],
    options: { events?: OutlierEvents; clock?: () => number; random?: () => number; log?: (line: string) => void } = {},
  ) {
    this.config = config;
    this.hosts = hosts;
    this.events = options.events ?? NO_EVENTS;
    this.clock = options.clock ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => {});
  }

  /** Who `hosts` belongs to (the cluster that created or last took over this detector); null: the creator. */
  private follower: unknown = null;

  /** The endpoints to watch now: a cluster that takes this detector over from its predecessor says so. */
  follow(follower: unknown, hosts: () => readonly OutlierHost[]): void {
    this.follower = follower;
    this.hosts = hosts;
  }

  /** Whether `follower` is the one whose endpoints this detector watches. */
  followedBy(follower: unknown): boolean {
    return this.follower === follower;
  }

  /** Gives a (new) endpoint its monitor. */
  attach(host: OutlierHost): void {
    host.outlier ??= new OutlierMonitor(this, host);
  }

  /** One timer for the cluster, never one per request. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(this.clock()), this.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A consecutive-error threshold was reached: eject now, within the limits. */
  consider(monitor: OutlierMonitor, reason: EjectionReason): void {
    if (monitor.host.ejected) return;
    this.eject(monitor, reason, this.clock());
  }

  /** The interval's work: end ejections that are over, then the success-rate and failure-percentage checks. */
  tick(now: number): void {
    const hosts = this.hosts();
    for (const h of hosts) {
      const m = h.outlier;
      if (m === null) continue;
      if (!h.ejected) {
        // Healthy for a whole interval since the last re-admission: the next ejection is shorter.
        if (m.backoff > 0 && m.unejectedAt >= 0 && now - m.unejectedAt >= this.config.intervalMs) m.backoff--;
      } else if (now - m.ejectedAt >= m.ejectedForMs) {
        h.ejected = false;
        m.reason = null;
        m.unejectedAt = now;
        this.log(`re-admitted ${h.address} after ${Math.round(now - m.ejectedAt)} ms`);
      }
    }
    this.rates(hosts, now, false);
    if (this.config.splitExternalLocalOriginErrors) this.rates(hosts, now, true);
    for (const h of hosts) {
      const m = h.outlier;
      if (m === null) continue;
      m.lastSuccessRate = m.externalTotal > 0 ? (100 * m.externalOk) / m.externalTotal : -1;
      m.lastLocalSuccessRate = m.localTotal > 0 ? (100 * m.localOk) / m.localTotal : -1;
      m.externalTotal = m.externalOk = m.localTotal = m.localOk = 0;
    }
  }

  private rates(hosts: readonly OutlierHost[], now: number, local: boolean): void {
    const sr = this.config.successRate;
    const fp = this.config.failurePercentage;
    const forSr: Rated[] = [];
    const forFp: Rated[] = [];
    for (const h of hosts) {
      const m = h.outlier;
      if (m === null || h.ejected) continue;
      const total = local ? m.localTotal : m.externalTotal;
      if (total === 0) continue;
      const rate = (100 * (local ? m.localOk : m.externalOk)) / total;
      if (total >= sr.requestVolume) forSr.push({ monitor: m, rate });
      if (total >= fp.requestVolume) forFp.push({ monitor: m, rate });
    }
    if (forSr.length > 0 && forSr.length >= sr.minimumHosts) {
      const mean = forSr.reduce((sum, r) => sum + r.rate, 0) / forSr.length;
      const variance = forSr.reduce((sum, r) => sum + (r.rate - mean) ** 2, 0) / forSr.length;
      const threshold = mean - sr.stdevFactor * Math.sqrt(variance);
      if (!local) {
        this.successRateAverage = mean;
        this.successRateThreshold = threshold;
      }
      for (const r of forSr) {
        if (r.rate < threshold && !r.monitor.host.ejected) this.eject(r.monitor, local ? 'success_rate_local_origin' : 'success_rate', now);
      }
    } else if (!local) {
      this.successRateAverage = this.successRateThreshold = -1;
    }
    if (forFp.length > 0 && forFp.length >= fp.minimumHosts) {
      for (const r of forFp) {
        if (100 - r.rate >= fp.threshold && !r.monitor.host.ejected) {
          this.eject(r.monitor, local ? 'failure_percentage_local_origin' : 'failure_percentage', now);
        }
      }
    }
  }

  private eject(monitor: OutlierMonitor, reason: EjectionReason, now: number): void {
    const config = this.config;
    if (!this.mayEject()) {
      this.events.overflowed(reason);
      return;
    }
    if (this.random() * 100 >= this.enforcing(reason)) {
      this.events.detected(reason);
      return;
    }
    const base = config.baseEjectionMs;
    if (monitor.backoff * base < config.maxEjectionMs + base) monitor.backoff++;
    monitor.ejections++;
    monitor.reason = reason;
    monitor.ejectedAt = now;
    monitor.ejectedForMs = Math.min(base * monitor.backoff, config.maxEjectionMs) + this.random() * config.maxEjectionJitterMs;
    monitor.host.ejected = true;
    this.events.ejected(reason);
    this.log(`ejected ${monitor.host.address} (${reason}) for ${Math.round(monitor.ejectedForMs)} ms`);
  }

  /**
   * max_ejection_percent caps the ejected share of the cluster, counting the host about to go,
   * so it is never passed by one host as Envoy's "share before this ejection" check allows. The
   * first ejection is allowed whenever the percentage is above 0 (RELIABILITY.md C3: never more
   * than max(1, 10 %)).
   */
  private mayEject(): boolean {
    const hosts = this.hosts();
    let ejected = 0;
    for (const h of hosts) if (h.ejected) ejected++;
    if (ejected === 0 && (this.config.maxEjectionPercent > 0 || this.config.alwaysEjectOneHost)) return true;
    return (ejected + 1) * 100 <= hosts.length * this.config.maxEjectionPercent;
  }

  /** Ejected endpoints now (for the gauge). */
  activeEjections(): number {
    let n = 0;
    for (const h of this.hosts()) if (h.ejected) n++;
    return n;
  }

  private enforcing(reason: EjectionReason): number {
    const c = this.config;
    switch (reason) {
      case 'consecutive_5xx': return c.enforcingConsecutive5xx;
      case 'consecutive_gateway_failure': return c.enforcingConsecutiveGatewayFailure;
      case 'consecutive_local_origin_failure': return c.enforcingConsecutiveLocalOriginFailure;
      case 'success_rate': return c.successRate.enforcing;
      case 'success_rate_local_origin': return c.successRate.enforcingLocalOrigin;
      case 'failure_percentage': return c.failurePercentage.enforcing;
      case 'failure_percentage_local_origin': return c.failurePercentage.enforcingLocalOrigin;
    }
  }
}
