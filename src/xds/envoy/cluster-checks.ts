// Semantic checks on a decoded Cluster: endpoint addresses that fit the discovery type, ports, and
// protocol options Envoy refuses to combine, load-balancing settings that fit the policy. Shared by the bootstrap loader and, later, CDS.

import { isIP } from 'node:net';
import type { Cluster } from './cluster.ts';
import type { FieldPath, Issues } from './issues.ts';
import { checkTlsContext, type TlsCheckOptions } from './tls-checks.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY } from './type-urls.ts';

export function checkCluster(c: Cluster, path: FieldPath, issues: Issues, tls: TlsCheckOptions = { secrets: null }): void {
  const upstreamTls = c.transport_socket?.typed_config;
  if (upstreamTls?.common_tls_context !== undefined) {
    checkTlsContext(upstreamTls.common_tls_context, [...path, 'transport_socket', 'typed_config', 'common_tls_context'], issues, { ...tls, server: false });
  }
  (c.transport_socket_matches ?? []).forEach((m, i) => {
    const context = m.transport_socket.typed_config.common_tls_context;
    if (context !== undefined) checkTlsContext(context, [...path, 'transport_socket_matches', i, 'transport_socket', 'typed_config', 'common_tls_context'], issues, { ...tls, server: false });
    for (const [k, v] of Object.entries(m.match ?? {})) {
      if (typeof v !== 'string') issues.unsupported([...path, 'transport_socket_matches', i, 'match', k], 'Weft matches endpoint metadata against string values only');
    }
  });
  if (c.type === 'EDS') {
    if (c.eds_cluster_config === undefined) issues.invalid([...path, 'eds_cluster_config'], 'an EDS cluster needs eds_cluster_config: {eds_config: {ads: {}}}');
    if (c.load_assignment !== undefined) issues.invalid([...path, 'load_assignment'], 'an EDS cluster gets its endpoints from EDS; remove load_assignment');
  } else if (c.eds_cluster_config !== undefined) {
    issues.invalid([...path, 'eds_cluster_config'], `eds_cluster_config needs type: EDS (this cluster is ${c.type})`);
  }
  (c.load_assignment?.endpoints ?? []).forEach((locality, l) => {
    (locality.lb_endpoints ?? []).forEach((lb, e) => {
      const sa = lb.endpoint.address.socket_address;
      if (!sa) return;
      const at = [...path, 'load_assignment', 'endpoints', l, 'lb_endpoints', e, 'endpoint', 'address', 'socket_address'];
      if (c.type === 'STATIC' && isIP(sa.address) === 0) {
        issues.invalid([...at, 'address'], `'${sa.address}' is not an IP address; a STATIC cluster needs IPs (use type: STRICT_DNS for host names)`);
      }
      if (!sa.port_value) issues.invalid([...at, 'port_value'], 'an endpoint needs a port_value between 1 and 65535');
    });
  });
  const priorities = (c.circuit_breakers?.thresholds ?? []).map((t) => t.priority ?? 'DEFAULT');
  priorities.forEach((p, i) => {
    if (priorities.indexOf(p) !== i) {
      issues.invalid([...path, 'circuit_breakers', 'thresholds', i, 'priority'], `a second thresholds entry for priority ${p}; give each priority one entry`);
    }
  });
  checkLoadBalancing(c, path, issues);
  if (c.http2_protocol_options !== undefined && c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY] !== undefined) {
    issues.invalid(
      [...path, 'http2_protocol_options'],
      `set the protocol in typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS_KEY}"] only; the legacy http2_protocol_options cannot be combined with it`,
    );
  }
}

/** Envoy ignores an lb config that does not match the policy; Weft says so instead. */
function checkLoadBalancing(c: Cluster, path: FieldPath, issues: Issues): void {
  if (c.lb_policy !== undefined && c.load_balancing_policy !== undefined) {
    issues.invalid([...path, 'lb_policy'], 'set lb_policy or load_balancing_policy, not both (load_balancing_policy replaces lb_policy)');
  }
  const legacy = [['ring_hash_lb_config', 'RING_HASH'], ['least_request_lb_config', 'LEAST_REQUEST']] as const;
  for (const [field, policy] of legacy) {
    if (c[field] !== undefined && c.lb_policy !== policy) {
      issues.invalid([...path, field], `${field} configures lb_policy ${policy}, but the cluster's lb_policy is ${c.lb_policy ?? 'not set'}`);
    }
  }
  const ringSizes = (at: FieldPath, r: { minimum_ring_size?: number; maximum_ring_size?: number }) => {
    if ((r.minimum_ring_size ?? 0) > (r.maximum_ring_size ?? Infinity)) {
      issues.invalid([...at, 'minimum_ring_size'], `minimum_ring_size (${r.minimum_ring_size}) is larger than maximum_ring_size (${r.maximum_ring_size})`);
    }
  };
  if (c.ring_hash_lb_config) ringSizes([...path, 'ring_hash_lb_config'], c.ring_hash_lb_config);
  c.load_balancing_policy?.policies.forEach((p, i) => {
    const config = p.typed_extension_config.typed_config;
    if ('minimum_ring_size' in config) ringSizes([...path, 'load_balancing_policy', 'policies', i, 'typed_extension_config', 'typed_config'], config);
  });
}

/** The ClusterLoadAssignment an EDS cluster reads (Envoy: `service_name`, else the cluster's name). */
export function edsServiceName(c: Cluster): string {
  return c.eds_cluster_config?.service_name || c.name;
}
