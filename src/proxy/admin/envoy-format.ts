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

// Envoy's flags: unhealthy in the load assignment is failed EDS health; an ejection is a failed
// outlier check. Weft has no active health checking, so no other flag can be set.
function healthFlags(e: EndpointStatus): string {
  const flags = `${e.healthy ? '' : '/failed_eds_health'}${e.outlier?.ejected ? '/failed_outlier_check' : ''}`;
  return flags === '' ? 'healthy' : flags;
}

/** Envoy prints rates as plain numbers, -1 for "not computed". */
function rate(n: number): string {
  return n < 0 ? '-1' : String(Math.round(n * 1000) / 1000);
}

/** `cluster::host:port::stat::value` lines, in Envoy's order, one block per endpoint. */
export function clustersText(clusters: readonly ClusterStatus[]): string {
  let out = '';
  for (const c of clusters) {
    out += `${c.name}::observability_name::${c.name}\n`;
    if (c.lbPolicy !== undefined) out += `${c.name}::lb_policy::${c.lbPolicy}\n`;
    const cb = c.circuitBreakers;
    if (cb !== undefined) {
      out +=
        `${c.name}::default_priority::max_connections::${cb.maxConnections}\n` +
        `${c.name}::default_priority::max_pending_requests::${cb.maxPendingRequests}\n` +
        `${c.name}::default_priority::max_requests::${cb.maxRequests}\n` +
        `${c.name}::upstream_cx_active::${cb.connections}\n` +
        `${c.name}::upstream_rq_pending_active::${cb.pendingRequests}\n` +
        `${c.name}::upstream_rq_active::${cb.activeRequests}\n`;
    }
    const rb = c.retryBudget;
    if (rb !== undefined) {
      // Envoy prints the static max_retries; Weft the limit in force now (a budget's moves with load).
      out += `${c.name}::default_priority::max_retries::${rb.allowed}\n`;
      if (rb.budgetPercent !== undefined) {
        out +=
          `${c.name}::default_priority::retry_budget::budget_percent::${rb.budgetPercent}\n` +
          `${c.name}::default_priority::retry_budget::min_retry_concurrency::${rb.minRetryConcurrency}\n`;
      }
      out +=
        `${c.name}::upstream_rq_retry_active::${rb.active}\n` +
        `${c.name}::upstream_rq_retry::${rb.retries}\n` +
        `${c.name}::upstream_rq_retry_overflow::${rb.overflows}\n`;
    }
    if (c.outlier !== undefined) {
      out +=
        `${c.name}::outlier::success_rate_average::${rate(c.outlier.successRateAverage)}\n` +
        `${c.name}::outlier::success_rate_ejection_threshold::${rate(c.outlier.successRateEjectionThreshold)}\n`;
    }
    for (const e of c.endpoints) {
      const p = `${c.name}::${e.address}::`;
      if (e.activeConnections !== undefined) out += `${p}cx_active::${e.activeConnections}\n`;
      out +=
        `${p}rq_active::${e.activeRequests}\n` +
        `${p}rq_error::${e.failedRequests}\n` +
        `${p}rq_total::${e.totalRequests}\n` +
        `${p}health_flags::${healthFlags(e)}\n` +
        `${p}weight::${e.weight}\n`;
      const o = e.outlier;
      if (o !== undefined) {
        out +=
          `${p}success_rate::${rate(o.successRate)}\n` +
          `${p}local_origin_success_rate::${rate(o.localOriginSuccessRate)}\n` +
          `${p}outlier_ejections::${o.ejections}\n`;
        if (o.ejected) out += `${p}outlier_ejection_reason::${o.reason}\n${p}outlier_ejection_remaining_ms::${Math.ceil(o.remainingMs)}\n`;
      }
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
      ...(c.circuitBreakers === undefined ? {} : {
        circuit_breakers: {
          thresholds: [{
            priority: 'DEFAULT',
            max_connections: c.circuitBreakers.maxConnections,
            max_pending_requests: c.circuitBreakers.maxPendingRequests,
            max_requests: c.circuitBreakers.maxRequests,
            ...(c.retryBudget === undefined ? {} : { max_retries: c.retryBudget.allowed }),
            ...(c.retryBudget?.budgetPercent === undefined ? {} : {
              retry_budget: { budget_percent: { value: c.retryBudget.budgetPercent }, min_retry_concurrency: c.retryBudget.minRetryConcurrency },
            }),
          }],
        },
      }),
      // Weft's addition: the retry limit's use now.
      ...(c.retryBudget === undefined ? {} : {
        weft_retry_budget: { active: c.retryBudget.active, retries: c.retryBudget.retries, overflows: c.retryBudget.overflows },
      }),
      ...(c.outlier === undefined || c.outlier.successRateEjectionThreshold < 0 ? {} : {
        success_rate_ejection_threshold: { value: c.outlier.successRateEjectionThreshold },
      }),
      host_statuses: c.endpoints.map((e) => {
        const stats: SimpleMetric[] = [
          { name: 'rq_error', type: 'COUNTER', value: String(e.failedRequests) },
          { name: 'rq_total', type: 'COUNTER', value: String(e.totalRequests) },
          { name: 'rq_active', type: 'GAUGE', value: String(e.activeRequests) },
        ];
        if (e.activeConnections !== undefined) stats.push({ name: 'cx_active', type: 'GAUGE', value: String(e.activeConnections) });
        if (e.ewmaMs !== undefined) stats.push({ name: 'ewma_ms', type: 'GAUGE', value: e.ewmaMs.toFixed(3) });
        const o = e.outlier;
        return {
          address: envoyAddress(e.address),
          stats,
          health_status: { ...(o?.ejected ? { failed_outlier_check: true } : {}), eds_health_status: e.healthy ? 'HEALTHY' : 'UNHEALTHY' },
          weight: e.weight,
          ...(o === undefined ? {} : {
            ...(o.successRate < 0 ? {} : { success_rate: { value: o.successRate } }),
            ...(o.localOriginSuccessRate < 0 ? {} : { local_origin_success_rate: { value: o.localOriginSuccessRate } }),
            // Weft's addition: Envoy keeps ejection details in its event log only.
            weft_outlier: { ejected: o.ejected, reason: o.reason, ejections: o.ejections, remaining_ms: Math.ceil(o.remainingMs) },
          }),
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
