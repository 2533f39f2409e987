// HttpConnectionManager http_filters + its route table → the filter list of every route, built once
// per config: each filter's config resolved the Envoy way (the route's typed_per_filter_config, else
// the virtual host's, else the route table's, else the listener's; FilterConfig.disabled turns it
// off), bound to the route with its counters. A request then costs one map lookup, and nothing when no filter is configured.
import {
  TYPE_URLS, type FilterConfig, type HTTPFault, type HttpConnectionManager, type LocalRateLimit, type PerFilterConfig,
  type RBAC, type RBACPerRoute, type RouteConfiguration, type TypedPerFilterConfig,
} from '../../../xds/envoy/index.ts';
import type { ProxyMetrics } from '../../observe/metrics.ts';
import type { CompiledRoute, RouteTable } from '../route/index.ts';
import { FaultConfig, type ActiveFaults } from './fault.ts';
import { LocalRateLimitConfig } from './local-ratelimit.ts';
import { RbacConfig } from './rbac.ts';
import { runFilters } from './run.ts';
import type { DownstreamStream, FilterHost, RequestHead, RouteFilter } from './types.ts';

/** A filter config compiled once (one bucket, one fault setting) and bound per route. */
interface Compiled {
  bind(route: string): RouteFilter;
}

/** One entry of http_filters, before the router. */
interface FilterSpec {
  readonly name: string;
  /** `disabled: true` on the HttpFilter: off unless a route or virtual host turns it on. */
  readonly disabledByDefault: boolean;
  readonly listener: Compiled;
  /** Compiles a per-route or per-virtual-host config of this filter's type; `level` names where it sits. */
  perRoute(config: PerRouteConfig, level: string): Compiled | null;
}

/**
 * State that outlives a snapshot (a rate limit's bucket, a fault filter's count of active faults),
 * by `listener|filter|level|config JSON`: an xDS update that leaves a filter config alone (an EDS
 * push, say) must not refill its buckets or forget the faults in progress.
 */
class CarriedState {
  private readonly previous: ReadonlyMap<string, object>;
  readonly now = new Map<string, object>();

  constructor(previous: ReadonlyMap<string, object> | undefined) {
    this.previous = previous ?? new Map();
  }

  /** The previous snapshot's object under `key`, else a new one; a key seen twice in one build (duplicate route names) gets its own. */
  keep<T extends object>(key: string, make: () => T): T {
    if (this.now.has(key)) return make();
    const value = (this.previous.get(key) as T | undefined) ?? make();
    this.now.set(key, value);
    return value;
  }
}

/** A filter's own per-route message (RBAC's is RBACPerRoute). */
type PerRouteConfig = HTTPFault | LocalRateLimit | RBACPerRoute;

const NONE: readonly RouteFilter[] = [];

export class HttpFilterChains {
  private readonly byRoute: ReadonlyMap<CompiledRoute, readonly RouteFilter[]>;
  /** For requests no route matched: the listener's configs (Envoy runs filters before the 404). */
  private readonly noRoute: readonly RouteFilter[];
  /** What the next snapshot's filters carry over (see CarriedState). */
  readonly carried: ReadonlyMap<string, object>;

  constructor(byRoute: ReadonlyMap<CompiledRoute, readonly RouteFilter[]>, noRoute: readonly RouteFilter[], carried: ReadonlyMap<string, object> = new Map()) {
    this.byRoute = byRoute;
    this.noRoute = noRoute;
    this.carried = carried;
  }

  /** The filters `route` runs, in order (for tests and /config_dump-like views). */
  filtersOf(route: CompiledRoute | null): readonly RouteFilter[] {
    return route === null ? this.noRoute : (this.byRoute.get(route) ?? NONE);
  }

  /** True when the router should take the request now; otherwise a filter answered or holds it. */
  run(host: FilterHost, head: RequestHead, ds: DownstreamStream, route: CompiledRoute | null): boolean {
    const filters = route === null ? this.noRoute : this.byRoute.get(route);
    if (filters === undefined || filters.length === 0) return true;
    return runFilters(filters, 0, host, head, ds);
  }
}

function faultSpec(name: string, disabled: boolean, listenerConfig: HTTPFault, listener: string, metrics: ProxyMetrics, carried: CarriedState): FilterSpec {
  // One count of faults in progress per listener filter; its per-route configs share it.
  const active: ActiveFaults = carried.keep(`${listener}|${name}|active|${JSON.stringify(listenerConfig)}`, () => ({ count: 0 }));
  const compile = (f: HTTPFault): Compiled => {
    const config = new FaultConfig(f, active);
    return {
      bind: (route) => config.bind({
        aborts: metrics.decision('fault_injected', FAULT_HELP, { listener, route, kind: 'abort' }),
        delays: metrics.decision('fault_injected', FAULT_HELP, { listener, route, kind: 'delay' }),
      }),
    };
  };
  return { name, disabledByDefault: disabled, listener: compile(listenerConfig), perRoute: (c) => compile(c as HTTPFault) };
}

function rateLimitSpec(name: string, disabled: boolean, listenerConfig: LocalRateLimit, listener: string, metrics: ProxyMetrics, carried: CarriedState): FilterSpec {
  const compile = (l: LocalRateLimit, level: string): Compiled => {
    // The compiled config holds the bucket and nothing per snapshot (counters come with bind).
    const config = carried.keep(`${listener}|${name}|${level}|${JSON.stringify(l)}`, () => new LocalRateLimitConfig(l, performance.now()));
    return {
      bind: (route) => config.bind({
        enforced: metrics.decision('local_ratelimited', RATE_LIMIT_HELP, { listener, route, enforced: 'true' }),
        notEnforced: metrics.decision('local_ratelimited', RATE_LIMIT_HELP, { listener, route, enforced: 'false' }),
      }),
    };
  };
  return { name, disabledByDefault: disabled, listener: compile(listenerConfig, 'listener'), perRoute: (c, level) => compile(c as LocalRateLimit, level) };
}

function rbacSpec(name: string, disabled: boolean, listenerConfig: RBAC, listener: string, metrics: ProxyMetrics): FilterSpec {
  const compile = (r: RBAC): Compiled => new RbacConfig(r, listener, metrics);
  // RBACPerRoute without `rbac` turns the filter off for the route (Envoy).
  const perRoute = (c: PerRouteConfig): Compiled | null => {
    const rbac = (c as RBACPerRoute).rbac;
    return rbac === undefined ? null : compile(rbac);
  };
  return { name, disabledByDefault: disabled, listener: compile(listenerConfig), perRoute };
}

const FAULT_HELP = 'Faults injected by envoy.filters.http.fault, by kind (abort or delay).';
const RATE_LIMIT_HELP = 'Requests over a local rate limit (envoy.filters.http.local_ratelimit); enforced ones were answered 429.';

/** What a level's typed_per_filter_config says about one filter: a config, off, on, or nothing. */
type Override = { readonly kind: 'config'; readonly compiled: Compiled } | { readonly kind: 'disabled' } | { readonly kind: 'enabled' } | null;

function configOverride(compiled: Compiled | null): Override {
  return compiled === null ? { kind: 'disabled' } : { kind: 'config', compiled };
}

/** Per-level overrides, compiled once per level so that routes sharing a virtual host's config share its bucket. */
function overridesOf(map: TypedPerFilterConfig | undefined, specs: readonly FilterSpec[], level: string): ReadonlyMap<FilterSpec, Override> {
  const out = new Map<FilterSpec, Override>();
  if (map === undefined) return out;
  for (const spec of specs) {
    const value: PerFilterConfig | undefined = map[spec.name];
    if (value === undefined) continue;
    if (value['@type'] !== TYPE_URLS.filterConfig) {
      out.set(spec, configOverride(spec.perRoute(value as PerRouteConfig, level)));
      continue;
    }
    const wrapper = value as FilterConfig;
    if (wrapper.disabled === true) out.set(spec, { kind: 'disabled' });
    else if (wrapper.config !== undefined) out.set(spec, configOverride(spec.perRoute(wrapper.config, level)));
    // An optional config Weft does not know was dropped by the decoder: Envoy ignores the entry.
    else if (wrapper.is_optional !== true) out.set(spec, { kind: 'enabled' });
  }
  return out;
}

/** The compiled config that applies, most specific level first; null when the filter is off. */
function resolve(spec: FilterSpec, levels: readonly ReadonlyMap<FilterSpec, Override>[]): Compiled | null {
  for (const level of levels) {
    const o = level.get(spec);
    if (o === undefined || o === null) continue;
    if (o.kind === 'disabled') return null;
    if (o.kind === 'config') return o.compiled;
    return spec.listener;
  }
  return spec.disabledByDefault ? null : spec.listener;
}

/**
 * Builds the filter lists of a checked HttpConnectionManager (see xds/envoy checkHttpFilters), or
 * null when only the router is configured: the exchange then skips filters with a single check.
 */
export function buildHttpFilters(
  h: HttpConnectionManager, routes: RouteTable, listener: string, metrics: ProxyMetrics,
  /** The table `routes` was compiled from: inline, or the one `rds` names (its per-filter configs count too). */
  table: RouteConfiguration | undefined = h.route_config,
  /** The same listener's filters in the snapshot being replaced: unchanged configs keep their state. */
  previous: HttpFilterChains | null = null,
): HttpFilterChains | null {
  const carried = new CarriedState(previous?.carried);
  const specs: FilterSpec[] = [];
  for (const f of h.http_filters ?? []) {
    const cfg = f.typed_config;
    if (cfg === undefined) continue; // is_optional with a type Weft does not know
    const disabled = f.disabled === true;
    if (cfg['@type'] === TYPE_URLS.fault) specs.push(faultSpec(f.name, disabled, cfg, listener, metrics, carried));
    else if (cfg['@type'] === TYPE_URLS.localRateLimit) specs.push(rateLimitSpec(f.name, disabled, cfg, listener, metrics, carried));
    else if (cfg['@type'] === TYPE_URLS.rbac) specs.push(rbacSpec(f.name, disabled, cfg, listener, metrics));
  }
  if (specs.length === 0) return null;
  const bindAll = (levels: readonly ReadonlyMap<FilterSpec, Override>[], route: string): readonly RouteFilter[] => {
    const list: RouteFilter[] = [];
    for (const spec of specs) {
      const compiled = resolve(spec, levels);
      if (compiled !== null) list.push(compiled.bind(route));
    }
    return list.length === 0 ? NONE : list;
  };
  const byRoute = new Map<CompiledRoute, readonly RouteFilter[]>();
  const tableLevel = overridesOf(table?.typed_per_filter_config, specs, 'table');
  const hosts = table?.virtual_hosts ?? [];
  routes.virtualHosts.forEach((vh, v) => {
    // Identities that survive unrelated edits: names, an index only for an unnamed route.
    const vhName = `vh:${hosts[v]?.name ?? `#${v}`}`;
    const vhost = overridesOf(hosts[v]?.typed_per_filter_config, specs, vhName);
    const configs = hosts[v]?.routes ?? [];
    vh.routes.forEach((route, r) => {
      const level = `${vhName}/route:${configs[r]?.name || `#${r}`}`;
      byRoute.set(route, bindAll([overridesOf(configs[r]?.typed_per_filter_config, specs, level), vhost, tableLevel], route.name));
    });
  });
  return new HttpFilterChains(byRoute, bindAll([], ''), carried.now);
}
