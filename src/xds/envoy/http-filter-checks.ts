// Semantic checks on an HttpConnectionManager's HTTP filter list and on the typed_per_filter_config
// of its route table: the router last, every filter's own rules, and per-route configs that name a
// filter of the listener with a config of that filter's type (Envoy's rules for is_optional / disabled).

import type { HTTPFault } from './fault.ts';
import type { FilterConfig, TypedPerFilterConfig } from './filter-config.ts';
import type { HttpConnectionManager } from './hcm.ts';
import type { FieldPath, Issues } from './issues.ts';
import type { LocalRateLimit } from './local-ratelimit.ts';
import { checkHeaderMatcher, checkHeaderMutations } from './route-checks.ts';
import { durationMs } from './duration.ts';
import { TYPE_URLS } from './type-urls.ts';

/** Envoy refuses faster token-bucket fills (LocalRateLimiterImpl). */
export const MIN_FILL_INTERVAL_MS = 50;

const ROUTER_HINT = `{name: envoy.filters.http.router, typed_config: {'@type': ${TYPE_URLS.router}}}`;

const shortType = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

/** The message a filter takes in typed_per_filter_config: its own, except RBAC's RBACPerRoute. */
const perRouteType = (filterType: string): string => (filterType === TYPE_URLS.rbac ? TYPE_URLS.rbacPerRoute : filterType);

function checkFault(f: HTTPFault, path: FieldPath, issues: Issues): void {
  (f.headers ?? []).forEach((h, i) => checkHeaderMatcher(h, [...path, 'headers', i], issues));
}

function checkLocalRateLimit(l: LocalRateLimit, path: FieldPath, issues: Issues, perRoute: boolean): void {
  const bucket = l.token_bucket;
  if (bucket === undefined) {
    // Envoy: a listener-level filter may leave the bucket to its routes; a route's config must have one.
    if (perRoute) issues.invalid([...path, 'token_bucket'], 'a per-route local rate limit needs a token_bucket');
  } else if (durationMs(bucket.fill_interval) < MIN_FILL_INTERVAL_MS) {
    issues.invalid([...path, 'token_bucket', 'fill_interval'], `must be at least ${MIN_FILL_INTERVAL_MS}ms, got ${bucket.fill_interval}`);
  }
  checkHeaderMutations(
    { request_headers_to_add: l.request_headers_to_add_when_not_enforced, response_headers_to_add: l.response_headers_to_add },
    path,
    issues,
  );
}

/** A filter config (listener level or per route) by its type. */
function checkConfig(cfg: { '@type': string }, path: FieldPath, issues: Issues, perRoute: boolean): void {
  if (cfg['@type'] === TYPE_URLS.fault) checkFault(cfg as HTTPFault, path, issues);
  else if (cfg['@type'] === TYPE_URLS.localRateLimit) checkLocalRateLimit(cfg as LocalRateLimit, path, issues, perRoute);
}

function checkPerFilter(
  map: TypedPerFilterConfig | undefined,
  path: FieldPath,
  issues: Issues,
  filters: ReadonlyMap<string, string>,
): void {
  for (const [name, value] of Object.entries(map ?? {})) {
    const at = [...path, 'typed_per_filter_config', name];
    const wrapper = value['@type'] === TYPE_URLS.filterConfig ? (value as FilterConfig) : null;
    const config = wrapper === null ? (value as { '@type': string }) : wrapper.config;
    const configPath = wrapper === null ? at : [...at, 'config'];
    const type = filters.get(name);
    if (type === undefined) {
      // Envoy ignores an optional entry, and disabling a filter that is not there changes nothing.
      if (wrapper !== null && (wrapper.is_optional === true || wrapper.disabled === true)) continue;
      const known = [...filters.keys()].join(', ');
      issues.invalid(at, `no HTTP filter named '${name}' in this connection manager's http_filters (${known}); name one of them, or set is_optional: true in a FilterConfig`);
      continue;
    }
    if (type === TYPE_URLS.router) {
      issues.invalid(at, `the router filter '${name}' takes no per-route configuration`);
      continue;
    }
    if (config === undefined) {
      if (wrapper !== null && wrapper.disabled !== true && wrapper.is_optional !== true) {
        issues.invalid(at, "a FilterConfig needs 'config' or disabled: true");
      }
      continue;
    }
    if (config['@type'] !== perRouteType(type)) {
      issues.invalid([...configPath, '@type'], `filter '${name}' is of type ${shortType(type)}; its per-route config must be ${perRouteType(type) === type ? 'of that type' : shortType(perRouteType(type))}, not ${shortType(config['@type'])}`);
      continue;
    }
    checkConfig(config, configPath, issues, true);
  }
}

export function checkHttpFilters(h: HttpConnectionManager, path: FieldPath, issues: Issues): void {
  const filters = h.http_filters ?? [];
  const fpath = [...path, 'http_filters'];
  if (filters.length === 0) issues.invalid(fpath, `add the router filter: ${ROUTER_HINT}`);
  // Filters Weft runs, by name → type URL (is_optional filters of unknown types are left out).
  const byName = new Map<string, string>();
  const kept = filters.map((f, i) => ({ f, i })).filter(({ f }) => f.typed_config !== undefined);
  filters.forEach((f, i) => {
    const at = [...fpath, i];
    const cfg = f.typed_config;
    if (cfg === undefined) {
      if (f.is_optional !== true) issues.invalid([...at, 'typed_config'], `set typed_config; the router is ${ROUTER_HINT}`);
      return;
    }
    byName.set(f.name, cfg['@type']);
    if (cfg['@type'] === TYPE_URLS.router) {
      // The router is terminal: Envoy refuses a terminal filter that is not last.
      if (i !== kept[kept.length - 1].i) issues.invalid(at, `terminal filter '${f.name}' (router) must be the last HTTP filter`);
      if (f.disabled === true) issues.invalid([...at, 'disabled'], 'the router (the terminal filter) cannot be disabled');
    }
    checkConfig(cfg, [...at, 'typed_config'], issues, false);
  });
  const last = kept[kept.length - 1];
  if (last !== undefined && last.f.typed_config!['@type'] !== TYPE_URLS.router) {
    issues.invalid([...fpath, last.i], `the last HTTP filter must be the router: add ${ROUTER_HINT}`);
  }
  const rc = h.route_config;
  if (rc === undefined) return;
  checkPerFilter(rc.typed_per_filter_config, [...path, 'route_config'], issues, byName);
  (rc.virtual_hosts ?? []).forEach((vh, v) => {
    const vpath = [...path, 'route_config', 'virtual_hosts', v];
    checkPerFilter(vh.typed_per_filter_config, vpath, issues, byName);
    (vh.routes ?? []).forEach((r, i) => checkPerFilter(r.typed_per_filter_config, [...vpath, 'routes', i], issues, byName));
  });
}
