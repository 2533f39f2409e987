// Services + Workloads → endpoints, as Kubernetes builds EndpointSlices from Pods: a Workload in
// the Service's namespace whose labels include every selector label backs each Service port
// whose targetPort it has — a number is used as is, a name must be one of the Workload's port
// names (a Workload without that name is skipped for that port only).

import type { MeshSnapshot, ServiceResource, WorkloadResource } from './snapshot.ts';
import type { ServicePortView } from './ports.ts';

export interface Endpoint {
  /** `namespace/name` of the Workload. */
  readonly workload: string;
  readonly address: string;
  readonly port: number;
  readonly serviceAccount: string;
}

export function selects(service: ServiceResource, w: WorkloadResource): boolean {
  const selector = service.spec.selector;
  // A Service without a selector has no automatic endpoints (as in Kubernetes).
  if (!selector || Object.keys(selector).length === 0) return false;
  if ((w.metadata.namespace ?? '') !== service.metadata.namespace) return false;
  const labels = w.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function targetOf(port: ServicePortView, w: WorkloadResource): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return w.spec.ports?.find((p) => p.name === port.targetPort && (p.protocol ?? 'TCP') === port.protocol)?.port;
}

/** Endpoints of one Service port, sorted by workload for stable output. */
export function portEndpoints(snapshot: MeshSnapshot, service: ServiceResource, port: ServicePortView): Endpoint[] {
  const out: Endpoint[] = [];
  for (const w of snapshot.workloads) {
    if (!selects(service, w)) continue;
    const target = targetOf(port, w);
    if (target === undefined) continue;
    out.push({ workload: `${w.metadata.namespace}/${w.metadata.name}`, address: w.spec.address, port: target, serviceAccount: w.spec.serviceAccount ?? 'default' });
  }
  return out.sort((a, b) => (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : 0));
}
