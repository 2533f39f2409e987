// RouteConfiguration → RouteTable: everything (regexes, lower-cased domains, header mutations,
// pickers) is prepared once, so match() — on every request — only compares strings.

import type { RouteConfiguration, Route, VirtualHost } from '../../../xds/envoy/index.ts';
import type { HeaderList } from '../headers.ts';
import { compileForward } from './forward.ts';
import { allOf, compileHeaderMatcher, compileQueryMatcher, type ViewPredicate } from './header-matcher.ts';
import { chain, compileLevel, type HeaderMutation, type LevelMutations } from './header-mutation.ts';
import { compilePathMatcher, type PathMatcher } from './path-matcher.ts';
import { compileRedirect } from './redirect.ts';
import { RequestView } from './request-view.ts';
import type { CompiledRoute, CompiledVirtualHost, RouteAction, RouteMatch, RouteRequest, RouteTable } from './types.ts';
import { VirtualHostIndex } from './virtual-hosts.ts';

interface Entry {
  readonly path: PathMatcher;
  readonly rest: ViewPredicate | null;
  /** Preallocated result, so a match returns without allocating. */
  readonly result: RouteMatch;
}

interface Host extends CompiledVirtualHost {
  readonly entries: readonly Entry[];
}

const NOOP = (): void => {};

function directResponse(r: NonNullable<Route['direct_response']>): RouteAction {
  const b = r.body;
  const body = b?.inline_bytes !== undefined ? Buffer.from(b.inline_bytes, 'base64') : Buffer.from(b?.inline_string ?? '', 'utf8');
  return { kind: 'direct_response', status: r.status, body };
}

class CompiledRouteImpl implements CompiledRoute {
  readonly name: string;
  readonly action: RouteAction;
  private readonly request: HeaderMutation;
  private readonly response: HeaderMutation;
  private readonly byCluster: ReadonlyMap<string, LevelMutations>;

  constructor(name: string, action: RouteAction, request: HeaderMutation | null, response: HeaderMutation | null, byCluster: ReadonlyMap<string, LevelMutations>) {
    this.name = name;
    this.action = action;
    this.request = request ?? NOOP;
    this.response = response ?? NOOP;
    this.byCluster = byCluster;
  }

  mutateRequestHeaders(headers: HeaderList, cluster?: string): void {
    // Envoy runs the weighted cluster's own mutations first, then the route's chain.
    if (cluster !== undefined && this.byCluster.size > 0) this.byCluster.get(cluster)?.request?.(headers);
    this.request(headers);
  }

  mutateResponseHeaders(headers: HeaderList, cluster?: string): void {
    if (cluster !== undefined && this.byCluster.size > 0) this.byCluster.get(cluster)?.response?.(headers);
    this.response(headers);
  }
}

function compileRoute(r: Route, vhost: LevelMutations, config: LevelMutations, mostSpecificWins: boolean, host: CompiledVirtualHost): Entry {
  const path = compilePathMatcher(r.match);
  const rest = allOf([...(r.match.headers ?? []).map(compileHeaderMatcher), ...(r.match.query_parameters ?? []).map(compileQueryMatcher)]);
  let action: RouteAction;
  let byCluster: ReadonlyMap<string, LevelMutations> = new Map();
  if (r.route) {
    const f = compileForward(r.route, path);
    action = f.action;
    byCluster = f.clusterMutations;
  } else if (r.redirect) action = compileRedirect(r.redirect, path);
  else action = directResponse(r.direct_response!);
  const own = compileLevel(r);
  // Later levels win: by default the route configuration's mutations run last.
  const order = (pick: (l: LevelMutations) => HeaderMutation | null) =>
    mostSpecificWins ? [pick(config), pick(vhost), pick(own)] : [pick(own), pick(vhost), pick(config)];
  const route = new CompiledRouteImpl(r.name ?? '', action, chain(order((l) => l.request)), chain(order((l) => l.response)), byCluster);
  return { path, rest, result: { virtualHost: host, route } };
}

function compileHost(vh: VirtualHost, config: LevelMutations, mostSpecificWins: boolean): Host {
  const vhost = compileLevel(vh);
  const host = { name: vh.name, domains: [...vh.domains], routes: [] as CompiledRoute[], entries: [] as Entry[] };
  for (const r of vh.routes ?? []) {
    const e = compileRoute(r, vhost, config, mostSpecificWins, host);
    host.entries.push(e);
    host.routes.push(e.result.route);
  }
  return host;
}

class RouteTableImpl implements RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  private readonly index: VirtualHostIndex<Host>;
  private readonly view = new RequestView();

  constructor(name: string, hosts: readonly Host[], ignorePort: boolean) {
    this.name = name;
    this.virtualHosts = hosts;
    this.index = new VirtualHostIndex(hosts.map((h) => ({ domains: h.domains, value: h })), ignorePort);
  }

  match(req: RouteRequest): RouteMatch | null {
    const host = this.index.find(req.authority);
    if (host === null) return null;
    const view = this.view;
    view.reset(req);
    let found: RouteMatch | null = null;
    for (const e of host.entries) {
      if (e.path.matches(view) && (e.rest === null || e.rest(view))) {
        found = e.result;
        break;
      }
    }
    view.reset(EMPTY); // drop references to the request
    return found;
  }
}

const EMPTY: RouteRequest = { authority: '', method: '', path: '', headers: [] };

/** Compiles a decoded, checked RouteConfiguration (see xds/envoy checkRouteConfiguration). */
export function compileRouteConfiguration(rc: RouteConfiguration): RouteTable {
  const config = compileLevel(rc);
  const mostSpecificWins = rc.most_specific_header_mutations_wins === true;
  const hosts = (rc.virtual_hosts ?? []).map((vh) => compileHost(vh, config, mostSpecificWins));
  return new RouteTableImpl(rc.name ?? '', hosts, rc.ignore_port_in_host_matching === true);
}
