// Virtual-host selection by :authority, as Envoy's RouteMatcher::findVirtualHost does it: exact
// name, then the longest suffix wildcard, then the longest prefix wildcard, then "*". Lower-cased;
// the port is part of the name unless ignore_port_in_host_matching is set (Envoy never strips it
// otherwise, so "example.com" does not match "example.com:8080").

import { parseDomain } from '../../../xds/envoy/index.ts';
import { asciiLower } from './request-view.ts';

/** Envoy's HeaderUtility::getPortStart: the ':' of a trailing port, or -1 (IPv6 literals aware). */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return -1;
  const v6End = host.lastIndexOf(']');
  return v6End < 0 || v6End < colon ? colon : -1;
}

/** Wildcards grouped by the length of their fixed part, longest first (longest wildcard wins). */
type Wildcards<V> = { readonly length: number; readonly byValue: Map<string, V> }[];

function addWildcard<V>(groups: Wildcards<V>, value: string, target: V): void {
  let g = groups.find((x) => x.length === value.length);
  if (!g) {
    g = { length: value.length, byValue: new Map() };
    groups.push(g);
    groups.sort((a, b) => b.length - a.length);
  }
  if (!g.byValue.has(value)) g.byValue.set(value, target);
}

export class VirtualHostIndex<V> {
  private readonly exact = new Map<string, V>();
  private readonly suffixes: Wildcards<V> = [];
  private readonly prefixes: Wildcards<V> = [];
  private any: V | null = null;
  private readonly ignorePort: boolean;

  constructor(hosts: readonly { readonly domains: readonly string[]; readonly value: V }[], ignorePort: boolean) {
    this.ignorePort = ignorePort;
    for (const { domains, value } of hosts) {
      for (const d of domains) {
        const p = parseDomain(d);
        // First definition wins; config checks already refused duplicates and invalid patterns.
        if (p.kind === 'any') this.any ??= value;
        else if (p.kind === 'exact') {
          if (!this.exact.has(p.value)) this.exact.set(p.value, value);
        } else if (p.kind === 'suffix') addWildcard(this.suffixes, p.value, value);
        else if (p.kind === 'prefix') addWildcard(this.prefixes, p.value, value);
      }
    }
  }

  find(authority: string): V | null {
    if (this.exact.size === 0 && this.suffixes.length === 0 && this.prefixes.length === 0) return this.any;
    let host = authority;
    if (this.ignorePort) {
      const colon = portStart(host);
      if (colon >= 0) host = host.slice(0, colon);
    }
    host = asciiLower(host);
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    // ">=": a wildcard never matches the empty string ("*.foo.com" does not match ".foo.com").
    for (const g of this.suffixes) {
      if (g.length >= host.length) continue;
      const hit = g.byValue.get(host.slice(host.length - g.length));
      if (hit !== undefined) return hit;
    }
    for (const g of this.prefixes) {
      if (g.length >= host.length) continue;
      const hit = g.byValue.get(host.slice(0, g.length));
      if (hit !== undefined) return hit;
    }
    return this.any;
  }
}
