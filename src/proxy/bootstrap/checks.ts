// Checks that span a whole bootstrap: unique names, cluster references, listen addresses that can
// all be bound at once. Per-resource checks live with the resource types in xds/envoy.

import { isIP } from 'node:net';
import {
  checkCluster, checkListener, checkSecret, formatPath, TYPE_URLS,
  type Bootstrap, type FieldPath, type HttpConnectionManager, type Issues, type SocketAddress,
} from '../../xds/envoy/index.ts';

interface Binding {
  readonly address: string;
  readonly port: number;
  readonly path: FieldPath;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function uniqueNames(items: readonly { name: string }[], base: FieldPath, what: string, issues: Issues): Set<string> {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else issues.invalid([...base, i, 'name'], `duplicate ${what} name '${item.name}' (also at ${formatPath([...base, first])})`);
  });
  return new Set(seen.keys());
}

function binding(sa: SocketAddress | undefined, path: FieldPath, issues: Issues, out: Binding[]): void {
  if (!sa) return;
  if (isIP(sa.address) === 0) {
    issues.invalid([...path, 'address'], `'${sa.address}' is not an IP address; listen addresses must be IPs (e.g. 127.0.0.1 or 0.0.0.0)`);
    return;
  }
  const port = sa.port_value ?? 0;
  if (port !== 0) out.push({ address: sa.address, port, path });
}

/** Two sockets conflict on the same port when their addresses are equal or either is a wildcard. */
function checkBindings(bindings: readonly Binding[], issues: Issues): void {
  bindings.forEach((b, i) => {
    const clash = bindings
      .slice(0, i)
      .find((a) => a.port === b.port && (a.address === b.address || WILDCARDS.has(a.address) || WILDCARDS.has(b.address)));
    if (clash) {
      issues.invalid(
        [...b.path, 'port_value'],
        `${b.address}:${b.port} conflicts with ${clash.address}:${clash.port} at ${formatPath(clash.path)}; use another port`,
      );
    }
  });
}

export function checkBootstrap(b: Bootstrap, issues: Issues): void {
  const sr = b.static_resources ?? {};
  const clusters = sr.clusters ?? [];
  const listeners = sr.listeners ?? [];
  const secrets = sr.secrets ?? [];
  const clusterNames = uniqueNames(clusters, ['static_resources', 'clusters'], 'cluster', issues);
  uniqueNames(listeners, ['static_resources', 'listeners'], 'listener', issues);
  uniqueNames(secrets, ['static_resources', 'secrets'], 'secret', issues);
  secrets.forEach((s, i) => checkSecret(s, ['static_resources', 'secrets', i], issues));
  const tls = {
    secrets: {
      tlsCertificates: new Set(secrets.filter((s) => s.tls_certificate !== undefined).map((s) => s.name)),
      validationContexts: new Set(secrets.filter((s) => s.validation_context !== undefined).map((s) => s.name)),
    },
  };
  clusters.forEach((c, i) => checkCluster(c, ['static_resources', 'clusters', i], issues, tls));
  const bindings: Binding[] = [];
  listeners.forEach((l, i) => {
    const path = ['static_resources', 'listeners', i];
    checkListener(l, path, issues, { clusters: clusterNames, staticResources: true, ...tls });
    binding(l.address.socket_address, [...path, 'address', 'socket_address'], issues, bindings);
  });
  binding(b.admin?.address?.socket_address, ['admin', 'address', 'socket_address'], issues, bindings);
  checkBindings(bindings, issues);
  checkDynamic(b, issues);
}

/** dynamic_resources: ADS needs a static cluster to reach the control plane, and whatever reads from ADS needs ads_config. */
function checkDynamic(b: Bootstrap, issues: Issues): void {
  const sr = b.static_resources ?? {};
  const dr = b.dynamic_resources;
  const ads = dr?.ads_config;
  const need = (path: FieldPath, what: string) => {
    if (!ads) issues.invalid(path, `${what} reads from ADS: set dynamic_resources.ads_config (api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: …}}])`);
  };
  if (dr?.lds_config) need(['dynamic_resources', 'lds_config'], 'lds_config');
  if (dr?.cds_config) need(['dynamic_resources', 'cds_config'], 'cds_config');
  (sr.clusters ?? []).forEach((c, i) => {
    if (c.type === 'EDS') need(['static_resources', 'clusters', i, 'eds_cluster_config'], `EDS cluster '${c.name}'`);
  });
  (sr.listeners ?? []).forEach((l, i) => {
    l.filter_chains.forEach((chain, c) => (chain.filters ?? []).forEach((f, j) => {
      const hcm = f.typed_config as HttpConnectionManager;
      if (hcm['@type'] === TYPE_URLS.httpConnectionManager && hcm.rds) {
        need(['static_resources', 'listeners', i, 'filter_chains', c, 'filters', j, 'typed_config', 'rds'], `the rds of listener '${l.name}'`);
      }
    }));
  });
  if (!ads) return;
  const at = ['dynamic_resources', 'ads_config', 'grpc_services', 0, 'envoy_grpc', 'cluster_name'];
  const name = ads.grpc_services[0].envoy_grpc?.cluster_name ?? '';
  const cluster = (sr.clusters ?? []).find((c) => c.name === name);
  if (!cluster) issues.invalid(at, `unknown cluster '${name}'; the control plane's address comes from a cluster under static_resources.clusters`);
  else if (cluster.type === 'EDS') issues.invalid(at, `cluster '${name}' is EDS; the ADS cluster needs its address in the bootstrap (type STATIC or STRICT_DNS)`);
  else if ((cluster.load_assignment?.endpoints ?? []).flatMap((l) => l.lb_endpoints ?? []).length === 0) {
    issues.invalid(at, `cluster '${name}' has no endpoints; give it the control plane's address in load_assignment`);
  }
}
