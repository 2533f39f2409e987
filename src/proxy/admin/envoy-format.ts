// Envoy's admin output shapes for /clusters and /listeners, text and JSON, so that tools written
// against Envoy (istioctl proxy-config, scripts grepping `::health_flags::`) read Weft as is.
import type { ClusterStatus, EndpointStatus, ListenerStatus } from './target.ts';

/** config.core.v3.Address in proto3 JSON form. */
export type EnvoyAddress =
  | { socket_address: { address: string; port_value: number } }
  | { pipe: { path: string } };

/** `10.0.0.1:80`, `[::1]:80` → socket_address; anything without a port (a unix path) → pipe. */
export function envoyAddress(address: string): EnvoyAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (m === null) return { pipe: { path: address } };
  return { socket_address: { address: m[1] ?? m[2], port_value: Number(m[3]) } };
}

// Unhealthy is reported as failed EDS health: the status carries no finer reason (Envoy would
// also distinguish active health checks and outlier ejection).
function healthFlags(e: EndpointStatus): string {
  return e.healthy ? 'healthy' : '/failed_eds_health';
}

/** `cluster::host:port::stat::value` lines, in Envoy's order, one block per endpoint. */
export function clustersText(clusters: readonly ClusterStatus[]): string {
  let out = '';
  for (const c of clusters) {
    out += `${c.name}::observability_name::${c.name}\n`;
    if (c.lbPolicy !== undefined) out += `${c.name}::lb_policy::${c.lbPolicy}\n`;
    for (const e of c.endpoints) {
      const p = `${c.name}::${e.address}::`;
      if (e.activeConnections !== undefined) out += `${p}cx_active::${e.activeConnections}\n`;
      out +=
        `${p}rq_active::${e.activeRequests}\n` +
        `${p}rq_error::${e.failedRequests}\n` +
        `${p}rq_total::${e.totalRequests}\n` +
        `${p}health_flags::${healthFlags(e)}\n` +
        `${p}weight::${e.weight}\n`;
      if (e.ewmaMs !== undefined) out += `${p}ewma_ms::${e.ewmaMs.toFixed(3)}\n`;
    }
  }
  return out;
}

type SimpleMetric = { name: string; type: 'COUNTER' | 'GAUGE'; value: string };

/** admin.v3.Clusters: uint64 stat values are strings, as proto3 JSON writes them. */
export function clustersJson(clusters: readonly ClusterStatus[]): object {
  return {
    cluster_statuses: clusters.map((c) => ({
      name: c.name,
      observability_name: c.name,
      host_statuses: c.endpoints.map((e) => {
        const stats: SimpleMetric[] = [
          { name: 'rq_error', type: 'COUNTER', value: String(e.failedRequests) },
          { name: 'rq_total', type: 'COUNTER', value: String(e.totalRequests) },
          { name: 'rq_active', type: 'GAUGE', value: String(e.activeRequests) },
        ];
        if (e.activeConnections !== undefined) stats.push({ name: 'cx_active', type: 'GAUGE', value: String(e.activeConnections) });
        if (e.ewmaMs !== undefined) stats.push({ name: 'ewma_ms', type: 'GAUGE', value: e.ewmaMs.toFixed(3) });
        return {
          address: envoyAddress(e.address),
          stats,
          health_status: { eds_health_status: e.healthy ? 'HEALTHY' : 'UNHEALTHY' },
          weight: e.weight,
        };
      }),
    })),
  };
}

/** `name::address` lines. */
export function listenersText(listeners: readonly ListenerStatus[]): string {
  return listeners.map((l) => `${l.name}::${l.address}\n`).join('');
}

/** admin.v3.Listeners */
export function listenersJson(listeners: readonly ListenerStatus[]): object {
  return { listener_statuses: listeners.map((l) => ({ name: l.name, local_address: envoyAddress(l.address) })) };
}
