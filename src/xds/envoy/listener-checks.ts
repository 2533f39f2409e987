// Semantic checks on a decoded Listener: filter-chain shape, terminal filters, the HTTP filter list
// (http-filter-checks.ts), upgrades and the route table. Shared by the bootstrap loader and, later, LDS.

import type { HttpConnectionManager } from './hcm.ts';
import { checkHttpFilters } from './http-filter-checks.ts';
import type { FieldPath, Issues } from './issues.ts';
import type { Listener } from './listener.ts';
import { checkRouteConfiguration } from './route-checks.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { TYPE_URLS } from './type-urls.ts';

export interface ListenerCheckOptions {
  readonly clusters: ReadonlySet<string>;
  /** An inline route table validates its clusters by default (Envoy); tcp_proxy references are checked too. */
  readonly staticResources: boolean;
}

function checkHcm(h: HttpConnectionManager, path: FieldPath, issues: Issues, opts: ListenerCheckOptions): void {
  checkHttpFilters(h, path, issues);
  const upgrades = new Set<string>();
  (h.upgrade_configs ?? []).forEach((u, i) => {
    const t = u.upgrade_type.toLowerCase();
    if (upgrades.has(t)) issues.invalid([...path, 'upgrade_configs', i], `duplicate upgrade type '${u.upgrade_type}'`);
    upgrades.add(t);
  });
  if (h.route_config) {
    checkRouteConfiguration(h.route_config, [...path, 'route_config'], issues, {
      validateClustersDefault: opts.staticResources,
      clusters: opts.clusters,
    });
  }
}

function checkTcpProxy(t: TcpProxy, path: FieldPath, issues: Issues, opts: ListenerCheckOptions): void {
  if (!opts.staticResources) return; // with CDS a cluster may arrive later, as in Envoy
  const names: [string, FieldPath][] = t.cluster !== undefined ? [[t.cluster, [...path, 'cluster']]] : [];
  (t.weighted_clusters?.clusters ?? []).forEach((c, i) => names.push([c.name, [...path, 'weighted_clusters', 'clusters', i, 'name']]));
  for (const [name, at] of names) {
    if (!opts.clusters.has(name)) issues.invalid(at, `unknown cluster '${name}'; define it under static_resources.clusters`);
  }
}

export function checkListener(l: Listener, path: FieldPath, issues: Issues, opts: ListenerCheckOptions): void {
  if (l.filter_chains.length > 1) {
    issues.unsupported(
      [...path, 'filter_chains'],
      `Weft serves one filter chain per listener (found ${l.filter_chains.length}); without filter_chain_match Envoy would refuse them too`,
    );
  }
  l.filter_chains.forEach((chain, c) => {
    const cpath = [...path, 'filter_chains', c];
    const filters = chain.filters ?? [];
    if (filters.length === 0) {
      issues.invalid([...cpath, 'filters'], 'a filter chain needs a terminal network filter: an HttpConnectionManager or a TcpProxy');
    }
    filters.forEach((f, i) => {
      const fpath = [...cpath, 'filters', i];
      if (i !== filters.length - 1) {
        issues.invalid(fpath, `terminal filter '${f.name}' must be the last filter in a network filter chain`);
      }
      const cfg = f.typed_config;
      if (cfg['@type'] === TYPE_URLS.httpConnectionManager) checkHcm(cfg, [...fpath, 'typed_config'], issues, opts);
      else checkTcpProxy(cfg, [...fpath, 'typed_config'], issues, opts);
    });
  });
}
