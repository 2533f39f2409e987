// Resources received over xDS: decoded and checked by the same schemas and checks as a bootstrap's
// static_resources, one type URL at a time. A problem names the resource and the field path.

import { isIP } from 'node:net';
import { Cluster } from './cluster.ts';
import { checkCluster } from './cluster-checks.ts';
import { decode } from './decode.ts';
import { ClusterLoadAssignment } from './endpoint.ts';
import type { FieldPath, Issues } from './issues.ts';
import { Listener } from './listener.ts';
import { checkListener } from './listener-checks.ts';
import { RouteConfiguration } from './route.ts';
import { checkRouteConfiguration } from './route-checks.ts';
import { TYPE_URLS } from './type-urls.ts';

export const DISCOVERED_TYPES = [TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.listener, TYPE_URLS.routeConfiguration] as const;
export type DiscoveredType = (typeof DISCOVERED_TYPES)[number];

/** Path segment that names a resource of a type in messages: `listener 'web'`. */
const LABEL: Record<DiscoveredType, string> = {
  [TYPE_URLS.cluster]: 'cluster',
  [TYPE_URLS.clusterLoadAssignment]: 'cluster_load_assignment',
  [TYPE_URLS.listener]: 'listener',
  [TYPE_URLS.routeConfiguration]: 'route_configuration',
};

export function resourceName(typeUrl: DiscoveredType, r: Readonly<Record<string, unknown>>): string {
  const v = typeUrl === TYPE_URLS.clusterLoadAssignment ? r.cluster_name : r.name;
  return typeof v === 'string' ? v : '';
}

/** EDS endpoints are addresses to connect to: IPs with a port. */
export function checkClusterLoadAssignment(cla: ClusterLoadAssignment, path: FieldPath, issues: Issues): void {
  (cla.endpoints ?? []).forEach((locality, l) => {
    (locality.lb_endpoints ?? []).forEach((lb, e) => {
      const sa = lb.endpoint.address.socket_address;
      if (!sa) return;
      const at = [...path, 'endpoints', l, 'lb_endpoints', e, 'endpoint', 'address', 'socket_address'];
      if (isIP(sa.address) === 0) issues.invalid([...at, 'address'], `'${sa.address}' is not an IP address; EDS endpoints must be IPs`);
      if (!sa.port_value) issues.invalid([...at, 'port_value'], 'an endpoint needs a port_value between 1 and 65535');
    });
  });
}

/**
 * Decodes the resources of one DiscoveryResponse. Returns them normalised (defaults filled, as from
 * a bootstrap) in order; problems go to `issues` under `[type, name]`. Duplicate names are refused.
 */
export function decodeDiscovered(
  typeUrl: DiscoveredType,
  resources: readonly Readonly<Record<string, unknown>>[],
  issues: Issues,
  /** Clusters the proxy has, for a route table that sets validate_clusters: true. */
  knownClusters: ReadonlySet<string> = new Set(),
): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    const name = resourceName(typeUrl, r);
    const path = [LABEL[typeUrl], name || i];
    if (name === '') {
      issues.invalid(path, `resource ${i} has no ${typeUrl === TYPE_URLS.clusterLoadAssignment ? 'cluster_name' : 'name'}`);
      return;
    }
    if (seen.has(name)) {
      issues.invalid(path, `the response holds two resources named '${name}'`);
      return;
    }
    seen.add(name);
    const before = issues.size;
    switch (typeUrl) {
      case TYPE_URLS.cluster: {
        const c = decode(Cluster, r, path, issues) as Cluster;
        if (issues.size === before) checkCluster(c, path, issues);
        out.push(c);
        break;
      }
      case TYPE_URLS.listener: {
        const l = decode(Listener, r, path, issues) as Listener;
        // With CDS, a listener may name a cluster that arrives later, as in Envoy.
        if (issues.size === before) checkListener(l, path, issues, { clusters: new Set(), staticResources: false, secrets: null });
        out.push(l);
        break;
      }
      case TYPE_URLS.routeConfiguration: {
        const rc = decode(RouteConfiguration, r, path, issues) as RouteConfiguration;
        if (issues.size === before) checkRouteConfiguration(rc, path, issues, { validateClustersDefault: false, clusters: knownClusters });
        out.push(rc);
        break;
      }
      case TYPE_URLS.clusterLoadAssignment: {
        const cla = decode(ClusterLoadAssignment, r, path, issues) as ClusterLoadAssignment;
        if (issues.size === before) checkClusterLoadAssignment(cla, path, issues);
        out.push(cla);
        break;
      }
    }
  });
  return out;
}
