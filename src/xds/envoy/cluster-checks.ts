// Semantic checks on a decoded Cluster: endpoint addresses that fit the discovery type, ports, and
// protocol options Envoy refuses to combine. Shared by the bootstrap loader and, later, CDS.

import { isIP } from 'node:net';
import type { Cluster } from './cluster.ts';
import type { FieldPath, Issues } from './issues.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY } from './type-urls.ts';

export function checkCluster(c: Cluster, path: FieldPath, issues: Issues): void {
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
  if (c.http2_protocol_options !== undefined && c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY] !== undefined) {
    issues.invalid(
      [...path, 'http2_protocol_options'],
      `set the protocol in typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS_KEY}"] only; the legacy http2_protocol_options cannot be combined with it`,
    );
  }
}

/** The ClusterLoadAssignment an EDS cluster reads (Envoy: `service_name`, else the cluster's name). */
export function edsServiceName(c: Cluster): string {
  return c.eds_cluster_config?.service_name || c.name;
}
