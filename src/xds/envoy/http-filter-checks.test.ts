import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './decode.ts';
import { HttpConnectionManager } from './hcm.ts';
import { checkHttpFilters } from './http-filter-checks.ts';
import { Issues, formatPath } from './issues.ts';
import { TYPE_URLS } from './type-urls.ts';

const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URLS.router } };
const FAULT = { name: 'fault', typed_config: { '@type': TYPE_URLS.fault, abort: { http_status: 503, percentage: { numerator: 100 } } } };
const RL = {
  name: 'rl',
  typed_config: { '@type': TYPE_URLS.localRateLimit, stat_prefix: 'rl', token_bucket: { max_tokens: 1, fill_interval: '1s' } },
};

/** Decodes and checks an HCM with these filters and (optionally) per-filter configs on one virtual host and its route. */
function check(filters: unknown[], perFilter: { table?: object; vhost?: object; route?: object } = {}) {
  const issues = new Issues();
  const h = decode(HttpConnectionManager, {
    '@type': TYPE_URLS.httpConnectionManager,
    stat_prefix: 's',
    http_filters: filters,
    route_config: {
      typed_per_filter_config: perFilter.table,
      virtual_hosts: [{
        name: 'vh', domains: ['*'], typed_per_filter_config: perFilter.vhost,
        routes: [{ match: { prefix: '/' }, direct_response: { status: 200 }, typed_per_filter_config: perFilter.route }],
      }],
    },
  }, [], issues) as HttpConnectionManager;
  if (issues.size === 0) checkHttpFilters(h, [], issues);
  return issues.list.map((i) => ({ code: i.code, path: formatPath(i.path), message: i.message }));
}

const ROUTE = 'route_config.virtual_hosts[0].routes[0].typed_per_filter_config';

test('fault and local rate limit before the router are accepted', () => {
  assert.deepEqual(check([FAULT, RL, ROUTER]), []);
});

test('the router must be last, and the last filter must be the router', () => {
  const early = check([ROUTER, FAULT]);
  assert.deepEqual(early.map((i) => i.path), ['http_filters[0]', 'http_filters[1]']);
  assert.match(early[0].message, /terminal filter 'envoy.filters.http.router' \(router\) must be the last HTTP filter/);
  assert.match(early[1].message, /^the last HTTP filter must be the router/);
  assert.match(check([FAULT])[0].message, /^the last HTTP filter must be the router/);
  assert.match(check([])[0].message, /^add the router filter/);
  assert.match(check([{ ...ROUTER, disabled: true }])[0].message, /cannot be disabled/);
});

test('an unknown filter type is refused with its path, unless is_optional', () => {
  const cors = { name: 'cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };
  const issues = check([cors, ROUTER]);
  assert.equal(issues[0].code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(issues[0].path, 'http_filters[0].typed_config["@type"]');
  assert.deepEqual(check([{ ...cors, is_optional: true }, ROUTER]), []);
  // Without typed_config (and not optional) Envoy cannot know the filter.
  assert.match(check([{ name: 'x' }, ROUTER])[0].message, /^set typed_config/);
});

test('fields Weft does not implement are refused with their path', () => {
  const nodes = check([{ ...FAULT, typed_config: { ...FAULT.typed_config, downstream_nodes: ['a'] } }, ROUTER]);
  assert.deepEqual(nodes.map((i) => [i.code, i.path]), [['WEFT_CONFIG_UNSUPPORTED', 'http_filters[0].typed_config.downstream_nodes']]);
  const perConn = check([{ ...RL, typed_config: { ...RL.typed_config, local_rate_limit_per_downstream_connection: true } }, ROUTER]);
  assert.deepEqual(perConn.map((i) => [i.code, i.path]), [['WEFT_CONFIG_UNSUPPORTED', 'http_filters[0].typed_config.local_rate_limit_per_downstream_connection']]);
  const descriptors = check([{ ...RL, typed_config: { ...RL.typed_config, descriptors: [{}] } }, ROUTER]);
  assert.equal(descriptors[0].code, 'WEFT_CONFIG_UNSUPPORTED');
});

test('a fault needs exactly one delay and one abort kind; http_status must be in [200, 600)', () => {
  const both = check([{ ...FAULT, typed_config: { '@type': TYPE_URLS.fault, abort: { http_status: 503, grpc_status: 14 } } }, ROUTER]);
  assert.match(both[0].message, /set only one of 'http_status', 'grpc_status', 'header_abort'/);
  const low = check([{ ...FAULT, typed_config: { '@type': TYPE_URLS.fault, abort: { http_status: 100 } } }, ROUTER]);
  assert.equal(low[0].path, 'http_filters[0].typed_config.abort.http_status');
  const none = check([{ ...FAULT, typed_config: { '@type': TYPE_URLS.fault, delay: { percentage: { numerator: 1 } } } }, ROUTER]);
  assert.match(none[0].message, /one of 'fixed_delay', 'header_delay' is required/);
  const regex = check([{ ...FAULT, typed_config: { '@type': TYPE_URLS.fault, headers: [{ name: 'x', safe_regex_match: { regex: '(' } }] } }, ROUTER]);
  assert.equal(regex[0].path, 'http_filters[0].typed_config.headers[0].safe_regex_match.regex');
});

test('local rate limit: fill_interval of at least 50ms; a per-route config needs a token_bucket', () => {
  const fast = check([{ ...RL, typed_config: { ...RL.typed_config, token_bucket: { max_tokens: 1, fill_interval: '0.010s' } } }, ROUTER]);
  assert.deepEqual(fast.map((i) => i.path), ['http_filters[0].typed_config.token_bucket.fill_interval']);
  // The listener's config may leave the bucket to its routes…
  assert.deepEqual(check([{ ...RL, typed_config: { '@type': TYPE_URLS.localRateLimit, stat_prefix: 'rl' } }, ROUTER]), []);
  // … a route's may not.
  const route = check([RL, ROUTER], { route: { rl: { '@type': TYPE_URLS.localRateLimit, stat_prefix: 'r' } } });
  assert.deepEqual(route.map((i) => i.path), [`${ROUTE}.rl.token_bucket`]);
  const bad = check([{ ...RL, typed_config: { ...RL.typed_config, response_headers_to_add: [{ header: { key: 'bad key', value: 'v' } }] } }, ROUTER]);
  assert.equal(bad[0].path, 'http_filters[0].typed_config.response_headers_to_add[0].header.key');
});

test('typed_per_filter_config must name a filter of this connection manager, with a config of its type', () => {
  const fault = { '@type': TYPE_URLS.fault };
  assert.deepEqual(check([FAULT, ROUTER], { vhost: { fault }, route: { fault } }), []);
  const unknown = check([FAULT, ROUTER], { route: { cors: fault } });
  assert.deepEqual(unknown.map((i) => i.path), [`${ROUTE}.cors`]);
  assert.match(unknown[0].message, /^no HTTP filter named 'cors' in this connection manager's http_filters \(fault, envoy.filters.http.router\)/);
  const wrongType = check([FAULT, RL, ROUTER], { route: { rl: fault } });
  assert.deepEqual(wrongType.map((i) => i.path), [`${ROUTE}.rl["@type"]`]);
  assert.match(wrongType[0].message, /^filter 'rl' is of type envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit; its per-route config must be of that type, not envoy.extensions.filters.http.fault.v3.HTTPFault$/);
  assert.deepEqual(check([FAULT, ROUTER], { table: { nope: fault } }).map((i) => i.path), ['route_config.typed_per_filter_config.nope']);
  const router = check([FAULT, ROUTER], { vhost: { 'envoy.filters.http.router': fault } });
  assert.match(router[0].message, /takes no per-route configuration/);
});

test('FilterConfig: is_optional and disabled as Envoy defines them', () => {
  const wrap = (body: object) => ({ '@type': TYPE_URLS.filterConfig, ...body });
  const cors = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy' };
  // An unknown name or type is ignored when optional; disabling a filter that is not there changes nothing.
  assert.deepEqual(check([FAULT, ROUTER], { route: { cors: wrap({ is_optional: true, config: cors }) } }), []);
  assert.deepEqual(check([FAULT, ROUTER], { route: { other: wrap({ disabled: true }) } }), []);
  assert.deepEqual(check([FAULT, ROUTER], { route: { fault: wrap({ disabled: true }) } }), []);
  assert.deepEqual(check([FAULT, ROUTER], { route: { fault: wrap({ config: { '@type': TYPE_URLS.fault } }) } }), []);
  // Not optional: the unknown type is refused where it is written.
  assert.equal(check([FAULT, ROUTER], { route: { fault: wrap({ config: cors }) } })[0].path, `${ROUTE}.fault.config["@type"]`);
  assert.match(check([FAULT, ROUTER], { route: { other: wrap({ config: { '@type': TYPE_URLS.fault } }) } })[0].message, /^no HTTP filter named 'other'/);
  assert.match(check([FAULT, ROUTER], { route: { fault: wrap({}) } })[0].message, /needs 'config' or disabled: true/);
  // The contents of a wrapped config are checked too.
  const inner = check([RL, ROUTER], { route: { rl: wrap({ config: { '@type': TYPE_URLS.localRateLimit, stat_prefix: 'r' } }) } });
  assert.deepEqual(inner.map((i) => i.path), [`${ROUTE}.rl.config.token_bucket`]);
});
