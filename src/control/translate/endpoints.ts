// ClusterLoadAssignments (EDS): a Service port's endpoints. A Workload whose sidecar is connected
// is reached through that sidecar's inbound port (its app port stays behind it on 127.0.0.1);
// one without a sidecar at its app port. A sidecar with an identity is marked for mTLS with the
// SPIFFE ID it must present (for sidecar clients; proxyless gRPC clients speak plaintext). EDS
// carries IPs only: a Workload whose address is a DNS name is left out.

import { isIP } from 'node:net';
import type { ResolvedServicePort } from '../model/index.ts';
import { mtlsEndpointMetadata, workloadSpiffeId } from './mtls.ts';
import type { Sidecar } from './node.ts';
import type { Json } from './route-match.ts';

export function clusterLoadAssignment(r: ResolvedServicePort, sidecars: ReadonlyMap<string, Sidecar>, proxyless: boolean, trustDomain: string): Json {
  const lbEndpoints = r.endpoints
    .filter((e) => isIP(e.address) !== 0)
    .map((e) => {
      const sidecar = sidecars.get(e.workload);
      const endpoint = { endpoint: { address: { socket_address: { address: e.address, port_value: sidecar?.inboundPort ?? e.port } } } };
      if (proxyless || sidecar?.mtls !== true) return endpoint;
      return { ...endpoint, metadata: mtlsEndpointMetadata(workloadSpiffeId(trustDomain, e.workload.split('/')[0], e.serviceAccount)) };
    });
  // gRPC ignores a locality without a weight; Weft's proxy refuses locality weights (for now).
  return {
    cluster_name: r.cluster,
    endpoints: lbEndpoints.length ? [{ locality: { region: 'weft' }, ...(proxyless ? { load_balancing_weight: 1 } : {}), lb_endpoints: lbEndpoints }] : [],
  };
}
