// RouteConfiguration → RouteTable: everything (regexes, lower-cased domains, header mutations,
// pickers) is prepared once, so match() — on every request — only compares strings.

import type { RouteConfiguration, Route, VirtualHost } from '../../../xds/envoy/index.ts';
import type { HeaderList } from '../headers.ts';
import { compileForward } from './forward.ts';
import { allOf, compileHeaderMatcher, compileQueryMatcher, type ViewPredicate } from './header-matcher.ts';
import { chain, compileLevel, type HeaderMutation, type LevelMutations } from './header-mutation.ts';
import { PathIndex, SCAN_BEFORE_INDEX } from './path-index.ts';
import { compilePathMatcher, EXACT, PREFIX, type PathMatcher } from './path-matcher.ts';
import { compileRedirect } from './redirect.ts';
import { RequestView } from './request-view.ts';
import type { CompiledRoute, CompiledVirtualHost, RouteAction, RouteMatch, RouteRequest, RouteTable } from './types.ts';
import { VirtualHostIndex } from './virtual-hosts.ts';

interface Entry {
  readonly kind: PathMatcher['kind'];
  readonly value: string;
  /** Char code of value's last character (-1 when empty). */
  readonly last: number;
  readonly path: PathMatcher;
  readonly rest: ViewPredicate | null;
  /** Preallocated result, so a match returns without allocating. */
  readonly result: RouteMatch;
}

/** Consecutive plain prefix/path routes behind one PathIndex. */
interface Run {
  readonly index: PathIndex;
  readonly entries: readonly Entry[];
}

interface Host extends CompiledVirtualHost {
  /** The routes in order, runs of plain prefix/path routes indexed. */
  readonly segments: readonly (Entry | Run)[];
}

function segment(entries: readonly Entry[]): (Entry | Run)[] {
  const out: (Entry | Run)[] = [];
  let run: Entry[] = [];
  const flush = () => {
    if (run.length >= 2 * SCAN_BEFORE_INDEX) {
      const tail = run.slice(SCAN_BEFORE_INDEX);
      out.push(...run.slice(0, SCAN_BEFORE_INDEX));
      out.push({ index: new PathIndex(tail.map((e) => ({ exact: e.kind === EXACT, value: e.value, rest: e.rest }))), entries: tail });
    } else out.push(...run);
    run = [];
  };
  for (const e of entries) {
    if (e.kind === PREFIX || e.kind === EXACT) run.push(e);
    else {
      flush();
      out.push(e);
    }
  }
  flush();
  return out;
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

function compileRoute(r: Route, vh: VirtualHost, vhost: LevelMutations, config: LevelMutations, mostSpecificWins: boolean, host: CompiledVirtualHost): Entry {
  const path = compilePathMatcher(r.match);
  const rest = allOf([...(r.match.headers ?? []).map(compileHeaderMatcher), ...(r.match.query_parameters ?? []).map(compileQueryMatcher)]);
  let action: RouteAction;
  let byCluster: ReadonlyMap<string, LevelMutations> = new Map();
  if (r.route) {
    const f = compileForward(r.route, path, {
      retryPolicy: vh.retry_policy,
      bufferLimitBytes: r.per_request_buffer_limit_bytes ?? vh.per_request_buffer_limit_bytes,
    });
    action = f.action;
    byCluster = f.clusterMutations;
  } else if (r.redirect) action = compileRedirect(r.redirect, path);
  else action = directResponse(r.direct_response!);
  const own = compileLevel(r);
  // Later levels win: by default the route configuration's mutations run last.
  const order = (pick: (l: LevelMutations) => HeaderMutation | null) =>
    mostSpecificWins ? [pick(config), pick(vhost), pick(own)] : [pick(own), pick(vhost), pick(config)];
  const route = new CompiledRouteImpl(r.name ?? '', action, chain(order((l) => l.request)), chain(order((l) => l.response)), byCluster);
  const last = path.value.length > 0 ? path.value.charCodeAt(path.value.length - 1) : -1;
  return { kind: path.kind, value: path.value, last, path, rest, result: { virtualHost: host, route } };
}

function compileHost(vh: VirtualHost, config: LevelMutations, mostSpecificWins: boolean): Host {
  const vhost = compileLevel(vh);
  const host = { name: vh.name, domains: [...vh.domains], routes: [] as CompiledRoute[], segments: [] as (Entry | Run)[] };
  const entries = (vh.routes ?? []).map((r) => compileRoute(r, vh, vhost, config, mostSpecificWins, host));
  host.routes.push(...entries.map((e) => e.result.route));
  host.segments.push(...segment(entries));
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
    const path = req.path;
    const end = view.end;
    const segments = host.segments;
    let found: RouteMatch | null = null;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i];
      if ('index' in s) {
        const at = s.index.first(view);
        if (at < 0) continue;
        found = s.entries[at].result;
        break;
      }
      const e = s;
      // Case-sensitive prefix/path inline: most tables are mostly these.
      if (e.kind === PREFIX) {
        // The last character of a prefix rejects most near misses ("/svc1/" vs "/svc12/…") in one compare.
        const n = e.value.length;
        if (end < n || (n > 0 && path.charCodeAt(n - 1) !== e.last) || !path.startsWith(e.value)) continue;
      } else if (e.kind === EXACT) {
        if (end !== e.value.length || !path.startsWith(e.value)) continue;
      } else if (!e.path.matches(view)) continue;
      if (e.rest !== null && !e.rest(view)) continue;
      found = e.result;
      break;
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
