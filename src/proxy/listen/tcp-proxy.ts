// envoy.filters.network.tcp_proxy: each downstream connection is tunnelled to an endpoint of
// the chosen cluster, byte for byte.
import net from 'node:net';
import type { Cluster } from '../cluster/cluster.ts';
import type { TcpMetrics } from '../observe/metrics.ts';
import { tunnel } from './tunnel.ts';

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** Picks a cluster name (weighted_clusters pick by random; a single cluster returns it). */
  pickCluster(random: number): string;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Both directions idle this long → close (Envoy default 1 h; 0 disables). */
  readonly idleTimeoutMs: number;
  metrics(cluster: string): TcpMetrics;
}

// No access log here yet: the loader refuses tcp_proxy's access_log (issue: TCP access logs).
export function proxyTcp(downstream: net.Socket, config: TcpProxyConfig): void {
  const clusterName = config.pickCluster(Math.random());
  const cluster = config.clusters.get(clusterName);
  const endpoint = cluster?.pick() ?? null;
  if (endpoint === null) {
    downstream.destroy();
    return;
  }
  const metrics = config.metrics(clusterName);
  metrics.opened();
  downstream.pause();
  const connectTimeoutMs = cluster!.spec.connectTimeoutMs;
  const transport = endpoint.transport();
  const upstream = transport !== null ? transport() : net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true, allowHalfOpen: true });
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
    downstream.destroy();
  };
  upstream.once('close', failed);
  // Over TLS the tunnel opens once the handshake and the server's identity check succeeded.
  upstream.once(transport !== null ? 'secureConnect' : 'connect', () => {
    upstream.off('close', failed);
    downstream.off('close', clientGone);
    upstream.setTimeout(config.idleTimeoutMs);
    downstream.setTimeout(config.idleTimeoutMs);
    if (config.idleTimeoutMs > 0) {
      const idle = (): void => { upstream.destroy(); downstream.destroy(); };
      upstream.on('timeout', idle);
      downstream.on('timeout', idle);
    }
    tunnel(downstream, upstream, EMPTY, EMPTY, (sent, received) => {
      endpoint.activeRequests--;
      metrics.sent(sent);
      metrics.received(received);
      metrics.closed();
    });
  });
}

const EMPTY = Buffer.alloc(0);
