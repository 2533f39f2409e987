// Semantic checks on a decoded Cluster: endpoint addresses that fit the discovery type, ports, and
// protocol options Envoy refuses to combine. Shared by the bootstrap loader and, later, CDS.

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
  if (c.http2_protocol_options !== undefined && c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY] !== undefined) {
    issues.invalid(
      [...path, 'http2_protocol_options'],
      `set the protocol in typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS_KEY}"] only; the legacy http2_protocol_options cannot be combined with it`,
    );
  }
}
