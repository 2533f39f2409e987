// Service hostnames (`<name>.<namespace>.svc.<clusterDomain>`) and resolving what a client
// wrote — `backend`, `backend.shop`, `backend.shop.svc`, the full name — as Kubernetes DNS does
// from the client's namespace.

import type { MeshSnapshot, ServiceResource } from './snapshot.ts';

export function clusterDomain(snapshot: MeshSnapshot): string {
  return snapshot.mesh.clusterDomain ?? 'cluster.local';
}

export function serviceHost(service: ServiceResource, domain: string): string {
  return `${service.metadata.name}.${service.metadata.namespace}.svc.${domain}`;
}

export function resolveHost(snapshot: MeshSnapshot, host: string, clientNamespace: string): ServiceResource | undefined {
  const domain = clusterDomain(snapshot);
  const h = host.toLowerCase().replace(/\.$/, '');
  const parts = h.split('.');
  let name: string;
  let ns: string;
  if (parts.length === 1) [name, ns] = [parts[0], clientNamespace];
  else if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc') || h === `${parts[0]}.${parts[1]}.svc.${domain}`) [name, ns] = [parts[0], parts[1]];
  else return undefined;
  return snapshot.services.get(`${ns}/${name}`);
}

/** Istio's outbound cluster name, which users grep for: `outbound|<port>||<host>`. */
export function outboundCluster(host: string, port: number): string {
  return `outbound|${port}||${host}`;
}
