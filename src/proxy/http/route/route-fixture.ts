// Test support: builds a RouteTable from Envoy-shaped input the way the proxy does (decode with
// defaults, check, compile), so tests exercise exactly what users configure.

import { checkRouteConfiguration, decode, formatPath, Issues, RouteConfiguration } from '../../../xds/envoy/index.ts';
import type { HeaderList } from '../headers.ts';
import { compileRouteConfiguration } from './route-table.ts';
import type { RouteRequest, RouteTable } from './types.ts';

export function table(input: unknown): RouteTable {
  const issues = new Issues();
  const rc = decode(RouteConfiguration, input, [], issues) as RouteConfiguration;
  if (issues.size === 0) checkRouteConfiguration(rc, [], issues, { validateClustersDefault: false, clusters: new Set() });
  if (issues.size > 0) throw new Error(issues.list.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n'));
  return compileRouteConfiguration(rc);
}

/** One catch-all virtual host holding `routes`. */
export function routesTable(routes: unknown[], extra: object = {}): RouteTable {
  return table({ virtual_hosts: [{ name: 'all', domains: ['*'], routes }], ...extra });
}

export function req(path: string, headers: HeaderList = [], authority = 'example.com', method = 'GET'): RouteRequest {
  return { authority, method, path, headers };
}

/** Name of the route `t` picks for `r`, or null. */
export function routeName(t: RouteTable, r: RouteRequest): string | null {
  return t.match(r)?.route.name ?? null;
}
