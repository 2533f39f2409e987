// A rule's backendRefs → weighted backends. Gateway API: a backend that cannot be resolved is
// invalid and its share of traffic gets 500; a cross-namespace reference needs a
// ReferenceGrant (which Weft does not serve yet, so it is invalid); a weight of 0 gets nothing.

import type { BackendObjectReference, HTTPRouteFilter, GRPCRouteFilter } from '../../api/index.ts';
import type { MeshSnapshot } from './snapshot.ts';
import { findPort } from './ports.ts';
import { portEndpoints, type Endpoint } from './endpoints.ts';
import { clusterDomain, outboundCluster } from './hosts.ts';

export interface WeightedBackend {
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** `outbound|<port>||<host>`: the cluster the proxy sends to. */
  readonly cluster: string;
  readonly port: number;
  readonly weight: number;
  /** weight / sum of all weights in the rule. */
  readonly share: number;
  readonly endpoints: readonly Endpoint[];
  /** Why this backend cannot take traffic (its share is answered with 500). */
  readonly invalid?: string;
  /** The backendRef's own filters, applied only to requests sent to this backend. */
  readonly filters?: readonly (HTTPRouteFilter | GRPCRouteFilter)[];
}

type Ref = BackendObjectReference & { readonly weight?: number; readonly filters?: readonly (HTTPRouteFilter | GRPCRouteFilter)[] };

export function resolveBackends(snapshot: MeshSnapshot, routeNamespace: string, refs: readonly Ref[]): WeightedBackend[] {
  const total = refs.reduce((sum, r) => sum + (r.weight ?? 1), 0);
  return refs.map((ref) => {
    const ns = ref.namespace ?? routeNamespace;
    const weight = ref.weight ?? 1;
    const port = ref.port ?? 0;
    const cluster = outboundCluster(`${ref.name}.${ns}.svc.${clusterDomain(snapshot)}`, port);
    const base = { service: `${ns}/${ref.name}`, cluster, port, weight, share: total === 0 ? 0 : weight / total, ...(ref.filters?.length ? { filters: ref.filters } : {}) };
    if (ns !== routeNamespace) return { ...base, endpoints: [], invalid: `RefNotPermitted: a backendRef to namespace "${ns}" needs a ReferenceGrant, which Weft does not support yet` };
    const svc = snapshot.services.get(base.service);
    if (!svc) return { ...base, endpoints: [], invalid: `BackendNotFound: Service ${base.service} does not exist` };
    const sp = findPort(svc, port);
    if (!sp) return { ...base, endpoints: [], invalid: `BackendNotFound: Service ${base.service} has no TCP port ${port}` };
    return { ...base, endpoints: portEndpoints(snapshot, svc, sp) };
  });
}
