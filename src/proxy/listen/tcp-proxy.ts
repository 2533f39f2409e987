// envoy.filters.network.tcp_proxy: each downstream connection is tunnelled to an endpoint of
// the chosen cluster, byte for byte.
import net from 'node:net';
import type { Cluster } from '../cluster/cluster.ts';
import type { AccessLog } from '../observe/access-log.ts';
import type { TcpMetrics } from '../observe/metrics.ts';
import { tunnel } from './tunnel.ts';

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** Picks a cluster name (weighted_clusters pick by random; a single cluster returns it). */
  pickCluster(random: number): string;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Both directions idle this long → close (Envoy default 1 h; 0 disables). */
  readonly idleTimeoutMs: number;
  readonly accessLogs: readonly AccessLog[];
  metrics(cluster: string): TcpMetrics;
}

export function proxyTcp(downstream: net.Socket, config: TcpProxyConfig, initial: Buffer): void {
  const start = Date.now();
  const clusterName = config.pickCluster(Math.random());
  const cluster = config.clusters.get(clusterName);
  const endpoint = cluster?.pick() ?? null;
  const log = (flag: string, sent: number, received: number, upstreamHost: string): void => {
    for (const accessLog of config.accessLogs) {
      accessLog.write({
        start_time: start, method: '', path: '', authority: '', protocol: 'TCP', response_code: 0,
        response_flags: flag, weft_error: '', bytes_received: received, bytes_sent: sent,
        duration_ms: Date.now() - start, upstream_service_time_ms: -1, upstream_host: upstreamHost,
        upstream_cluster: clusterName, route_name: '', downstream_remote_address: downstream.remoteAddress ?? '',
        x_forwarded_for: '', user_agent: '', request_id: '', attempts: endpoint ? 1 : 0,
      });
    }
  };
  if (endpoint === null) {
    log(cluster ? 'UH' : 'NC', 0, 0, '');
    downstream.destroy();
    return;
  }
  const metrics = config.metrics(clusterName);
  metrics.opened();
  downstream.pause();
  const connectTimeoutMs = cluster!.spec.connectTimeoutMs;
  const upstream = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true, allowHalfOpen: true });
  // The client may give up before the upstream answers the connect.
  const clientGone = (): void => { upstream.destroy(); };
  downstream.once('close', clientGone);
  upstream.setTimeout(connectTimeoutMs, () => upstream.destroy());
  endpoint.activeRequests++;
  endpoint.totalRequests++;
  upstream.once('error', () => {});
  const failed = (): void => {
    endpoint.activeRequests--;
    endpoint.failedRequests++;
    metrics.closed();
    log('UF', 0, initial.length, endpoint.address);
    downstream.destroy();
  };
  upstream.once('close', failed);
  upstream.once('connect', () => {
    upstream.off('close', failed);
    downstream.off('close', clientGone);
    upstream.setTimeout(config.idleTimeoutMs);
    downstream.setTimeout(config.idleTimeoutMs);
    if (config.idleTimeoutMs > 0) {
      const idle = (): void => { upstream.destroy(); downstream.destroy(); };
      upstream.on('timeout', idle);
      downstream.on('timeout', idle);
    }
    tunnel(downstream, upstream, initial, Buffer.alloc(0), (sent, received) => {
      endpoint.activeRequests--;
      metrics.sent(sent);
      metrics.received(received);
      metrics.closed();
      log('-', sent, received, endpoint.address);
    });
  });
}
