// What the admin API reads from and asks of the running proxy; the engine implements it.

export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING';

export interface EndpointStatus {
  /** `host:port` (`[v6]:port` for IPv6) or a unix socket path. */
  address: string;
  healthy: boolean;
  weight: number;
  /** Open upstream connections; optional addition to the agreed shape, omitted from output when unknown. */
  activeConnections?: number;
  activeRequests: number;
  totalRequests: number;
  failedRequests: number;
  /** Peak-EWMA latency estimate to the response head, in ms (the peak-EWMA balancer's input); omitted when unknown. */
  ewmaMs?: number;
  /** Present when the cluster has outlier detection. */
  outlier?: EndpointOutlierStatus;
}

export interface EndpointOutlierStatus {
  ejected: boolean;
  /** Why it is ejected now ('' when it is not). */
  reason: string;
  /** Ejections since the proxy started. */
  ejections: number;
  /** Until re-admission, 0 when not ejected. */
  remainingMs: number;
  /** Last interval's success rates in percent, -1 when there were no requests. */
  successRate: number;
  localOriginSuccessRate: number;
}

/** The DEFAULT-priority circuit-breaker limits and their use now. */
export interface CircuitBreakerStatus {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  connections: number;
  pendingRequests: number;
  activeRequests: number;
}

export interface ClusterStatus {
  name: string;
  /** The balancer, e.g. ROUND_ROBIN or PEAK_EWMA; omitted when unknown. */
  lbPolicy?: string;
  endpoints: readonly EndpointStatus[];
  circuitBreakers?: CircuitBreakerStatus;
  /** Last interval's success-rate average and ejection threshold (percent, -1 when not computed); present with outlier detection. */
  outlier?: { successRateAverage: number; successRateEjectionThreshold: number };
}

export interface ListenerStatus {
  name: string;
  address: string;
}

export interface AdminTarget {
  state(): ServerState;
  /** Prometheus text exposition. */
  metrics(): string;
  /** Envoy admin.v3.ConfigDump JSON shape (the engine builds it). */
  configDump(): object;
  clusters(): readonly ClusterStatus[];
  listeners(): readonly ListenerStatus[];
  /** Envoy admin.v3.Certificates JSON: every TLS context's trust anchors and chain. */
  certs(): object;
  /** POST /quitquitquit; called after the response has been sent. */
  quit(): void;
  /** POST /drain_listeners[?graceful][&inboundonly] */
  drainListeners(options: { graceful: boolean; inboundOnly: boolean }): void;
}
