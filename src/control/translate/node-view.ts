// One node's xDS resources: what a sidecar (outbound view of its namespace, plus the inbound side
// of its Workload) or a proxyless gRPC client (a client listener per Service port) receives.
// Pure: the same snapshot and node always give the same resources, so the snapshot cache's
// content hashes decide what changed for that node.

import { isIP } from 'node:net';
import { TYPE_URLS } from '../../xds/envoy/index.ts';
import { resolveServicePort, servicePorts, type MeshSnapshot } from '../model/index.ts';
import { selects } from '../model/endpoints.ts';
import { requestTimeoutMs } from '../model/service-routes.ts';
import type { WorkloadResource } from '../model/snapshot.ts';
import type { NodeKind, Sidecar } from './node.ts';
import { outboundRouteConfiguration, outboundVirtualHost, inboundRouteConfiguration, inboundCluster, type PortView, type InboundPort } from './routes.ts';
import { outboundCluster, inboundStaticCluster } from './clusters.ts';
import { clusterLoadAssignment } from './endpoints.ts';
import { outboundListener, inboundListener, grpcClientListener } from './listeners.ts';
import { serviceDomains } from './domains.ts';
import { inboundRbacFilters } from './rbac.ts';
import type { Json } from './route-match.ts';


export interface NodeResources {
  readonly [TYPE_URLS.cluster]: Json[];
  readonly [TYPE_URLS.clusterLoadAssignment]: Json[];
  readonly [TYPE_URLS.listener]: Json[];
  readonly [TYPE_URLS.routeConfiguration]: Json[];
}

/** Every TCP Service port in the mesh, resolved for a client in `clientNamespace`, sorted by host and port. */
export function portViews(snapshot: MeshSnapshot, clientNamespace: string): PortView[] {
  const out: PortView[] = [];
  for (const service of snapshot.services.values()) {
    for (const port of servicePorts(service)) {
      if (port.protocol !== 'TCP') continue;
      out.push({ service, resolved: resolveServicePort(snapshot, service, port, clientNamespace) });
    }
  }
  return out.sort((a, b) => (a.resolved.cluster < b.resolved.cluster ? -1 : a.resolved.cluster > b.resolved.cluster ? 1 : 0));
}

function inboundPorts(snapshot: MeshSnapshot, workload: WorkloadResource, views: readonly PortView[]): InboundPort[] {
  const out: InboundPort[] = [];
  for (const view of views) {
    if (!selects(view.service, workload)) continue;
    const tp = view.resolved.port.targetPort;
    const target = typeof tp === 'number' ? tp : workload.spec.ports?.find((p) => p.name === tp && (p.protocol ?? 'TCP') === 'TCP')?.port;
    if (target !== undefined) out.push({ view, targetPort: target });
  }
  return out;
}

/**
 * `sidecars`: every connected sidecar by the Workload (`namespace/name`) it fronts. A sidecar with
 * an identity gets mTLS to the others that have one, and an inbound side in the MeshConfig's mode
 * (PERMISSIVE by default); in STRICT mode a sidecar without an identity gets no inbound listener,
 * since it could only serve plaintext. `trustDomain` names the identities (SAN matchers, EDS
 * identities, RBAC principals): the CA's, which may differ from a MeshConfig changed since its start.
 */
export function translateNode(snapshot: MeshSnapshot, node: NodeKind, sidecars: ReadonlyMap<string, Sidecar>, trustDomain = snapshot.mesh.trustDomain ?? 'cluster.local'): NodeResources {
  const views = portViews(snapshot, node.namespace);
  const proxyless = node.kind === 'proxyless-grpc';
  const mtls = node.kind === 'sidecar' && node.mtls ? { sidecars, trustDomain } : null;
  const clusters = views.map((v) => outboundCluster(v.resolved, proxyless, mtls));
  const assignments = views.map((v) => clusterLoadAssignment(v.resolved, sidecars, proxyless, trustDomain));
  if (node.kind === 'proxyless-grpc') {
    // One table per client listener, holding one virtual host: gRPC matches the target's authority.
    const routes = views.map((v) => {
      const name = `${v.resolved.host}:${v.resolved.port.port}`;
      const domains = [name, ...serviceDomains(v.service, v.resolved.host, v.resolved.port.port, node.namespace)].filter((d, i, all) => all.indexOf(d) === i);
      return { name, virtual_hosts: [outboundVirtualHost(snapshot, v, node.namespace, true, domains)] };
    });
    const listeners = views.map((v) => {
      const name = `${v.resolved.host}:${v.resolved.port.port}`;
      return grpcClientListener(name, name, requestTimeoutMs(v.resolved.policy));
    });
    return { [TYPE_URLS.cluster]: clusters, [TYPE_URLS.clusterLoadAssignment]: assignments, [TYPE_URLS.listener]: listeners, [TYPE_URLS.routeConfiguration]: routes };
  }
  const outboundRoutes = String(node.outboundPort);
  const listeners: Json[] = [outboundListener(node.outboundPort, outboundRoutes)];
  const routes: Json[] = [outboundRouteConfiguration(snapshot, views, node.namespace, outboundRoutes)];
  const workload = node.workload === undefined ? undefined : snapshot.workloads.find((w) => `${w.metadata.namespace}/${w.metadata.name}` === node.workload);
  const mode = snapshot.mesh.mtls?.mode ?? 'PERMISSIVE';
  if (workload && (node.mtls || mode === 'PERMISSIVE')) {
    const ports = inboundPorts(snapshot, workload, views);
    const inboundRoutes = `inbound|${node.inboundPort}`;
    const address = isIP(workload.spec.address) !== 0 ? workload.spec.address : '0.0.0.0';
    listeners.push(inboundListener(address, node.inboundPort, inboundRoutes, inboundRbacFilters({
      workload: {
        namespace: workload.metadata.namespace ?? '',
        labels: workload.metadata.labels ?? {},
        services: [...snapshot.services.values()].filter((s) => selects(s, workload)).map((s) => s.metadata.name),
      },
      policies: snapshot.authorizationPolicies,
      trustDomain,
      defaultInboundPolicy: snapshot.mesh.defaultInboundPolicy ?? 'allow',
    }), node.mtls ? mode : null));
    routes.push(inboundRouteConfiguration(ports, node.namespace, inboundRoutes));
    const seen = new Set<string>();
    for (const p of ports) {
      const name = inboundCluster(p.targetPort, p.view.resolved.host);
      if (seen.has(name)) continue;
      seen.add(name);
      clusters.push(inboundStaticCluster(name, p.targetPort, p.view.resolved.port.appProtocol));
    }
  }
  return { [TYPE_URLS.cluster]: clusters, [TYPE_URLS.clusterLoadAssignment]: assignments, [TYPE_URLS.listener]: listeners, [TYPE_URLS.routeConfiguration]: routes };
}
