// Semantic checks on a decoded Listener: filter-chain shape, terminal filters, the HTTP filter list
// (http-filter-checks.ts), upgrades and the route table. Shared by the bootstrap loader and, later, LDS.

import type { HttpConnectionManager } from './hcm.ts';
import { checkHttpFilters } from './http-filter-checks.ts';
import type { FieldPath, Issues } from './issues.ts';
import type { Listener } from './listener.ts';
import { checkRouteConfiguration } from './route-checks.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { checkTlsContext, type TlsCheckOptions } from './tls-checks.ts';
import { TRANSPORT_PROTOCOLS } from './tls.ts';
import { TYPE_URLS } from './type-urls.ts';

export interface ListenerCheckOptions extends TlsCheckOptions {
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

/**
 * Filter chains are told apart by filter_chain_match.transport_protocol only ("tls", "raw_buffer"
 * or unset = any): two chains with the same match are ambiguous (Envoy refuses them too), and
 * matching "tls" needs the tls_inspector listener filter, without which every connection is raw_buffer.
 */
function checkFilterChainMatches(l: Listener, path: FieldPath, issues: Issues): void {
  const inspectors = (l.listener_filters ?? []).length;
  if (inspectors > 1) issues.invalid([...path, 'listener_filters'], 'list the tls_inspector listener filter once');
  const seen = new Map<string, number>();
  l.filter_chains.forEach((chain, c) => {
    const at = [...path, 'filter_chains', c, 'filter_chain_match', 'transport_protocol'];
    const tp = chain.filter_chain_match?.transport_protocol ?? '';
    if (tp !== '' && !(TRANSPORT_PROTOCOLS as readonly string[]).includes(tp)) {
      issues.unsupported(at, `Weft matches transport_protocol "tls" or "raw_buffer" (or any, when unset), not ${JSON.stringify(tp)}`);
    }
    if (tp === 'tls' && inspectors === 0) {
      issues.invalid(at, "matching transport_protocol \"tls\" needs the tls_inspector: add listener_filters: [{name: envoy.filters.listener.tls_inspector, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}}]");
    }
    if (tp === 'raw_buffer' && chain.transport_socket !== undefined) {
      issues.invalid([...path, 'filter_chains', c, 'transport_socket'], 'a chain matching transport_protocol "raw_buffer" takes plaintext connections and cannot terminate TLS');
    }
    const first = seen.get(tp);
    if (first !== undefined) {
      issues.invalid([...path, 'filter_chains', c], `filter chains ${first} and ${c} have the same filter_chain_match${tp === '' ? ' (none)' : ` (transport_protocol ${tp})`}; give each a distinct transport_protocol`);
    } else {
      seen.set(tp, c);
    }
  });
}

export function checkListener(l: Listener, path: FieldPath, issues: Issues, opts: ListenerCheckOptions): void {
  checkFilterChainMatches(l, path, issues);
  l.filter_chains.forEach((chain, c) => {
    const cpath = [...path, 'filter_chains', c];
    const ts = chain.transport_socket?.typed_config;
    if (ts !== undefined) {
      checkTlsContext(ts.common_tls_context, [...cpath, 'transport_socket', 'typed_config', 'common_tls_context'], issues, {
        ...opts, server: true, requireClientCertificate: ts.require_client_certificate,
      });
    }
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
