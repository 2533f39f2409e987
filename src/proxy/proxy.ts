// The running sidecar: clusters, listeners and the admin API built from one config snapshot,
// plus its lifecycle (ready → draining → stopped). Wiring only; behaviour lives in the parts.
import { WeftError } from '../core/errors.ts';
import type { Cluster } from './cluster/cluster.ts';
import { Listener, type ListenerHooks, type ListenerSpec } from './listen/listener.ts';
import type { ProxyMetrics } from './observe/metrics.ts';
import type { AccessLog } from './observe/access-log.ts';
import type { AdminTarget, ClusterStatus } from './admin/index.ts';
import type { SecretStore } from './tls/secrets.ts';
import { closeLastingExcept, type LastingTlsContext } from './config/snapshot.ts';
import { certificatesJson, type TlsContextStatus } from './tls/status.ts';

export interface ProxySnapshot {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly listeners: readonly ListenerSpec[];
  /** Envoy admin.v3.ConfigDump shape, for /config_dump. */
  readonly configDump: object;
  readonly accessLogs: readonly AccessLog[];
  /** File access-log writers by path, handed on to the next snapshot. */
  readonly fileLogs: ReadonlyMap<string, AccessLog>;
  /** Named TLS secrets (static, inline, and the identity agent's). */
  readonly secrets: SecretStore;
  /** TLS contexts on the identity agent's secrets: handed on to the next snapshot, closed when none uses them. */
  readonly lastingTls: ReadonlyMap<string, LastingTlsContext>;
  /** The certificates of every TLS context now, for /certs. */
  tlsContexts(): readonly TlsContextStatus[];
}

export type ProxyState = 'PRE_INITIALIZING' | 'LIVE' | 'DRAINING';

export class Proxy implements AdminTarget {
  readonly registry: ProxyMetrics;
  private snapshot: ProxySnapshot;
  private listenerObjects: Listener[] = [];
  /** Listeners and clusters an update removed, still finishing their in-flight work. */
  private readonly retiring = new Set<{ timer: NodeJS.Timeout; finish: () => void }>();
  private readonly hooks: ListenerHooks;
  private dumpSource: (() => object) | null = null;
  private current: ProxyState = 'PRE_INITIALIZING';
  private readonly onQuit: () => void;

  constructor(snapshot: ProxySnapshot, metrics: ProxyMetrics, onQuit: () => void) {
    this.snapshot = snapshot;
    this.registry = metrics;
    this.onQuit = onQuit;
    this.hooks = this.listenerHooks();
  }

  private listenerHooks(): ListenerHooks {
    const rejected = new Map<string, { inc(n?: number): void }>();
    return {
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
  }

  /** The config in effect (the base an update is built against). */
  currentSnapshot(): ProxySnapshot {
    return this.snapshot;
  }

  /** /config_dump from a live source (the dynamic config) instead of the snapshot's fixed document. */
  setConfigDump(source: () => object): void {
    this.dumpSource = source;
  }

  /** Once the initial xDS fetch is done (or at start, without xDS): /ready answers 200. */
  markLive(): void {
    if (this.current === 'PRE_INITIALIZING') this.current = 'LIVE';
  }

  /** Binds the listeners; `live: false` stays PRE_INITIALIZING until markLive (waiting for ADS). */
  async start(options: { live: boolean } = { live: true }): Promise<void> {
    for (const c of this.snapshot.clusters.values()) c.activate();
    await Promise.all([...this.snapshot.clusters.values()].map((c) => c.start()));
    for (const spec of this.snapshot.listeners) {
      const listener = new Listener(spec, this.hooks);
      await listener.listen();
      this.listenerObjects.push(listener);
    }
    if (options.live) this.current = 'LIVE';
  }

  /**
   * Swaps in a new snapshot (an xDS update) as one step. New listeners are bound first, so a
   * port that cannot be bound fails the update (the caller NACKs it) before anything changed.
   * A listener whose socket is unchanged keeps its connections and serves the next request
   * from the new config; removed or re-addressed listeners drain for up to `drainTimeMs`.
   * Clusters with unchanged settings are the same objects (warm pools); replaced ones hand
   * their still-listed endpoints to their successor and close the rest after the drain time.
   */
  async apply(next: ProxySnapshot, drainTimeMs: number): Promise<void> {
    const prev = this.snapshot;
    const reused = new Set(prev.clusters.values());
    const fresh = [...next.clusters.values()].filter((c) => !reused.has(c));
    await Promise.all(fresh.map((c) => c.start()));
    const byName = new Map(this.listenerObjects.map((l) => [l.spec.name, l]));
    const nextNames = new Set(next.listeners.map((s) => s.name));
    const kept = new Map<Listener, ListenerSpec>();
    const started: Listener[] = [];
    /** Listeners whose fixed port is held by the listener they replace: bound once it has closed. */
    const deferred: Listener[] = [];
    const leaving = this.listenerObjects.filter((l) => !nextNames.has(l.spec.name));
    try {
      for (const spec of next.listeners) {
        const old = byName.get(spec.name);
        if (old?.canUpdate(spec)) {
          kept.set(old, spec);
          continue;
        }
        const listener = new Listener(spec, this.hooks);
        if (old !== undefined) leaving.push(old);
        if (old !== undefined && spec.port !== 0 && old.spec.host === spec.host && old.spec.port === spec.port) {
          deferred.push(listener);
        } else {
          await listener.listen().catch((err: Error) => {
            throw new WeftError('WEFT_IO', `listener '${spec.name}': cannot listen on ${spec.host}:${spec.port}: ${err.message}`, { cause: err });
          });
          started.push(listener);
        }
      }
    } catch (err) {
      // Nothing was swapped yet: undo the new sockets and clusters, keep serving `prev`.
      for (const l of started) l.destroy();
      for (const c of fresh) c.retire(prev.clusters.get(c.name));
      for (const [path, log] of next.fileLogs) if (prev.fileLogs.get(path) !== log) void log.close();
      next.secrets.close();
      closeLastingExcept(next.lastingTls, prev.lastingTls);
      throw err;
    }
    for (const [listener, spec] of kept) listener.update(spec);
    for (const l of leaving) l.drain();
    for (const l of deferred) {
      try {
        await l.listen();
        started.push(l);
      } catch (err) {
        process.stderr.write(`weft proxy: listener ${l.spec.name}: cannot bind ${l.spec.host}:${l.spec.port} after its old socket closed: ${(err as Error).message}\n`);
      }
    }
    this.listenerObjects = [...kept.keys(), ...started];
    this.snapshot = next;
    for (const c of fresh) c.activate();
    const nextClusters = new Set(next.clusters.values());
    const gone = [...prev.clusters.values()].filter((c) => !nextClusters.has(c));
    // The stdout writer is one for the process: a later snapshot may log through it again.
    const oldLogs = prev.accessLogs.filter((log) => !next.accessLogs.includes(log) && !log.isStdout);
    // In-flight requests on drained listeners and replaced clusters get the drain time to finish.
    this.later(drainTimeMs, () => {
      for (const l of leaving) l.destroy();
      for (const c of gone) c.retire(next.clusters.get(c.name));
      for (const log of oldLogs) void log.close();
      prev.secrets.close(); // its TLS contexts stop following file rotations; the new snapshot's follow them
      closeLastingExcept(prev.lastingTls, this.snapshot.lastingTls);
    });
  }

  /** Runs `finish` after `ms` (or at stop, whichever is first). */
  private later(ms: number, finish: () => void): void {
    const entry = {
      timer: setTimeout(() => {
        this.retiring.delete(entry);
        finish();
      }, ms),
      finish,
    };
    entry.timer.unref();
    this.retiring.add(entry);
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
    for (const r of this.retiring) {
      clearTimeout(r.timer);
      r.finish();
    }
    this.retiring.clear();
    for (const l of this.listenerObjects) l.destroy();
    for (const c of this.snapshot.clusters.values()) c.close();
    this.snapshot.secrets.close();
    closeLastingExcept(this.snapshot.lastingTls, new Map());
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
    return this.dumpSource?.() ?? this.snapshot.configDump;
  }

  clusters(): readonly ClusterStatus[] {
    const now = performance.now();
    return [...this.snapshot.clusters.values()].map((c) => ({
      name: c.name,
      lbPolicy: c.spec.lb.kind.toUpperCase(),
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
        ewmaMs: ep.latency.valueAt(now),
      })),
      circuitBreakers: {
        ...c.breaker.limits,
        connections: c.breaker.connections,
        pendingRequests: c.breaker.pending,
        activeRequests: c.breaker.requests,
      },
      retryBudget: {
        allowed: c.retryBudget.allowed(),
        active: c.retryBudget.active,
        retries: c.retryBudget.retries,
        overflows: c.retryBudget.overflows,
        ...(c.retryBudget.limit.kind === 'budget' ? { budgetPercent: c.retryBudget.limit.percent, minRetryConcurrency: c.retryBudget.limit.minConcurrency } : {}),
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
