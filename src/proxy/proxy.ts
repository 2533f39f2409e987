// The running sidecar: clusters, listeners and the admin API built from one config snapshot,
// plus its lifecycle (ready → draining → stopped). Wiring only; behaviour lives in the parts.
import type { Cluster } from './cluster/cluster.ts';
import { Listener, type ListenerSpec } from './listen/listener.ts';
import type { ProxyMetrics } from './observe/metrics.ts';
import type { AccessLog } from './observe/access-log.ts';
import type { AdminTarget, ClusterStatus } from './admin/index.ts';
import type { SecretStore } from './tls/secrets.ts';
import { certificatesJson, type TlsContextStatus } from './tls/status.ts';

export interface ProxySnapshot {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly listeners: readonly ListenerSpec[];
  /** Envoy admin.v3.ConfigDump shape, for /config_dump. */
  readonly configDump: object;
  readonly accessLogs: readonly AccessLog[];
  /** Named TLS secrets; `update` is how SDS (later) rotates them. */
  readonly secrets: SecretStore;
  /** The certificates of every TLS context now, for /certs. */
  tlsContexts(): readonly TlsContextStatus[];
}

export type ProxyState = 'PRE_INITIALIZING' | 'LIVE' | 'DRAINING';

export class Proxy implements AdminTarget {
  readonly registry: ProxyMetrics;
  private readonly snapshot: ProxySnapshot;
  private readonly listenerObjects: Listener[] = [];
  private current: ProxyState = 'PRE_INITIALIZING';
  private readonly onQuit: () => void;

  constructor(snapshot: ProxySnapshot, metrics: ProxyMetrics, onQuit: () => void) {
    this.snapshot = snapshot;
    this.registry = metrics;
    this.onQuit = onQuit;
  }

  async start(): Promise<void> {
    await Promise.all([...this.snapshot.clusters.values()].map((c) => c.start()));
    const rejected = new Map<string, { inc(n?: number): void }>();
    const hooks = {
      onRejected: (listener: string, err: { reason: string; status: number }) => {
        const key = `${listener}\u0000${err.reason}`;
        let counter = rejected.get(key);
        if (counter === undefined) {
          counter = this.registry.counter('downstream_rejected', 'Requests refused by the HTTP/1.1 codec before routing.', {
            listener, reason: err.reason, status: String(err.status),
          });
          rejected.set(key, counter);
        }
        counter.inc();
      },
    };
    for (const spec of this.snapshot.listeners) {
      const listener = new Listener(spec, hooks);
      await listener.listen();
      this.listenerObjects.push(listener);
    }
    this.current = 'LIVE';
  }

  /**
   * Graceful drain (SIGTERM): stop accepting, let in-flight requests finish (HTTP/1.1
   * responses say Connection: close, HTTP/2 gets GOAWAY), resolve when all connections are
   * gone or `drainTimeMs` has passed.
   */
  async drain(drainTimeMs: number): Promise<void> {
    this.current = 'DRAINING';
    for (const l of this.listenerObjects) l.drain();
    const deadline = Date.now() + drainTimeMs;
    while (Date.now() < deadline && this.listenerObjects.some((l) => l.connectionCount > 0)) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    for (const l of this.listenerObjects) l.destroy();
    for (const c of this.snapshot.clusters.values()) c.close();
    this.snapshot.secrets.close();
  }

  /** Ports actually bound, by listener name (port 0 in the config picks a free one). */
  boundPorts(): Map<string, number> {
    return new Map(this.listenerObjects.map((l) => [l.spec.name, l.boundPort]));
  }

  async flushLogs(): Promise<void> {
    await Promise.all(this.snapshot.accessLogs.map((log) => log.close()));
  }

  // ── AdminTarget ──

  state(): ProxyState {
    return this.current;
  }

  metrics(): string {
    return this.registry.render();
  }

  configDump(): object {
    return this.snapshot.configDump;
  }

  clusters(): readonly ClusterStatus[] {
    const now = performance.now();
    return [...this.snapshot.clusters.values()].map((c) => ({
      name: c.name,
      endpoints: c.endpoints.map((ep) => ({
        address: ep.address,
        healthy: ep.healthy,
        weight: ep.weight,
        activeRequests: ep.activeRequests,
        totalRequests: ep.totalRequests,
        failedRequests: ep.failedRequests,
        activeConnections: ep.openConnections,
        ...(ep.outlier === null ? {} : {
          outlier: {
            ejected: ep.ejected,
            reason: ep.outlier.reason ?? '',
            ejections: ep.outlier.ejections,
            remainingMs: ep.outlier.remainingMs(now),
            successRate: ep.outlier.lastSuccessRate,
            localOriginSuccessRate: ep.outlier.lastLocalSuccessRate,
          },
        }),
      })),
      circuitBreakers: {
        ...c.breaker.limits,
        connections: c.breaker.connections,
        pendingRequests: c.breaker.pending,
        activeRequests: c.breaker.requests,
      },
      ...(c.outlier === null ? {} : {
        outlier: { successRateAverage: c.outlier.successRateAverage, successRateEjectionThreshold: c.outlier.successRateThreshold },
      }),
    }));
  }

  certs(): object {
    return certificatesJson(this.snapshot.tlsContexts());
  }

  listeners(): readonly { name: string; address: string }[] {
    return this.listenerObjects.map((l) => ({ name: l.spec.name, address: l.address }));
  }

  quit(): void {
    this.onQuit();
  }

  drainListeners(options: { graceful: boolean; inboundOnly: boolean }): void {
    if (options.graceful) {
      for (const l of this.listenerObjects) l.drain();
    } else {
      for (const l of this.listenerObjects) l.destroy();
    }
  }
}
