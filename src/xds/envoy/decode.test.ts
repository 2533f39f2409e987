import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './decode.ts';
import { Issues, formatPath } from './issues.ts';
import { Cluster } from './cluster.ts';
import { LbEndpoint } from './endpoint.ts';
import { HttpConnectionManager } from './hcm.ts';
import { RouteConfiguration } from './route.ts';
import { RouteMatch } from './route-match.ts';
import type { TSchema } from 'typebox';

function run(schema: TSchema, input: unknown) {
  const issues = new Issues();
  const value = decode(schema, input, [], issues);
  return { value, issues: issues.list.map((i) => ({ code: i.code, path: formatPath(i.path), message: i.message })) };
}

test('an unknown field lists the supported ones and suggests a near miss', () => {
  const { issues } = run(RouteMatch, { prefx: '/' });
  const unknown = issues.find((i) => i.path === 'prefx');
  assert.ok(unknown);
  assert.equal(unknown.code, 'WEFT_CONFIG_INVALID');
  assert.match(unknown.message, /^unknown field 'prefx'; did you mean 'prefix'\? \(supported: prefix, path, safe_regex/);
});

test('a camelCase field is told its snake_case name', () => {
  const { issues } = run(RouteMatch, { prefix: '/', caseSensitive: false });
  assert.deepEqual(issues, [
    {
      code: 'WEFT_CONFIG_INVALID',
      path: 'caseSensitive',
      message: "unknown field 'caseSensitive': Weft reads proto field names in snake_case, write 'case_sensitive'",
    },
  ]);
});

test('a valid Envoy field Weft does not implement is WEFT_CONFIG_UNSUPPORTED with a hint', () => {
  const { issues } = run(RouteMatch, { prefix: '/', runtime_fraction: { default_value: { numerator: 5 } } });
  assert.deepEqual(issues, [
    {
      code: 'WEFT_CONFIG_UNSUPPORTED',
      path: 'runtime_fraction',
      message: "Weft does not support 'runtime_fraction' yet: Weft has no runtime layer",
    },
  ]);
});

test('an unsupported field set to its proto3 default is accepted: it changes nothing', () => {
  assert.deepEqual(run(RouteMatch, { prefix: '/', grpc: null, tls_context: null }).issues, []);
  assert.deepEqual(run(Cluster, { name: 'c', respect_dns_ttl: false, alt_stat_name: '' }).issues, []);
  assert.equal(run(Cluster, { name: 'c', respect_dns_ttl: true }).issues[0].code, 'WEFT_CONFIG_UNSUPPORTED');
});

test('Envoy fields Weft does not implement are unsupported, not unknown', () => {
  const { issues } = run(Cluster, { name: 'c', circuit_breakers: { thresholds: [{ max_requests: 10, max_retries: 3, track_remaining: true }] } });
  assert.equal(issues.length, 1);
  assert.equal(issues[0].code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(issues[0].path, 'circuit_breakers.thresholds[0].track_remaining');
});

test('circuit breakers and outlier detection decode with Envoy defaults; HIGH priority is refused', () => {
  const { value, issues } = run(Cluster, {
    name: 'c',
    circuit_breakers: { thresholds: [{ max_requests: 10 }] },
    outlier_detection: { consecutive_5xx: 3, interval: { seconds: 1 } },
  });
  assert.deepEqual(issues, []);
  const c = value as Record<string, any>;
  assert.deepEqual(c.circuit_breakers.thresholds[0], { priority: 'DEFAULT', max_connections: 1024, max_pending_requests: 1024, max_requests: 10 });
  assert.equal(c.outlier_detection.consecutive_5xx, 3);
  assert.equal(c.outlier_detection.interval, '1s');
  assert.equal(c.outlier_detection.base_ejection_time, '30s');
  assert.equal(c.outlier_detection.max_ejection_percent, 10);
  assert.equal(c.outlier_detection.enforcing_consecutive_gateway_failure, 0);
  const high = run(Cluster, { name: 'c', circuit_breakers: { thresholds: [{ priority: 'HIGH', max_requests: 1 }] } }).issues;
  assert.equal(high[0].code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(high[0].path, 'circuit_breakers.thresholds[0].priority');
  const pct = run(Cluster, { name: 'c', outlier_detection: { max_ejection_percent: 150 } }).issues;
  assert.equal(pct[0].path, 'outlier_detection.max_ejection_percent');
});

test('oneofs: none of a required one, and two at once, are both errors', () => {
  assert.match(run(RouteMatch, {}).issues[0].message, /^one of 'prefix', 'path', 'safe_regex', 'path_separated_prefix' is required$/);
  assert.match(run(RouteMatch, { prefix: '/', path: '/a' }).issues[0].message, /^set only one of .* \(found 'prefix', 'path'\)$/);
});

test('wrong types say what was expected and what was found', () => {
  const { issues } = run(Cluster, { name: 7, connect_timeout: 5, load_assignment: [] });
  const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
  assert.equal(byPath.name, 'expected a string, got number 7 (quote it: "7")');
  assert.match(byPath.connect_timeout, /expected a duration/);
  assert.match(byPath.load_assignment, /^expected an object/);
  const lb = run(LbEndpoint, { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: -1 } } } });
  assert.match(lb.issues[0].message, /between 0 and 65535, got -1/);
});

test('missing required fields are reported at the field path', () => {
  const { issues } = run(Cluster, {});
  assert.deepEqual(issues.map((i) => [i.path, i.message]), [['name', "missing required field 'name'"]]);
});

test('enums are case-insensitive like Envoy and normalised to upper case; unsupported values are named', () => {
  assert.equal((run(Cluster, { name: 'c', type: 'strict_dns' }).value as Cluster).type, 'STRICT_DNS');
  assert.equal((run(Cluster, { name: 'c', lb_policy: 'least_request' }).value as Cluster).lb_policy, 'LEAST_REQUEST');
  const { issues } = run(Cluster, { name: 'c', lb_policy: 'MAGLEV' });
  assert.deepEqual(issues, [
    {
      code: 'WEFT_CONFIG_UNSUPPORTED',
      path: 'lb_policy',
      message: 'Weft does not support lb_policy MAGLEV yet (supported: ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM)',
    },
  ]);
  assert.match(run(Cluster, { name: 'c', type: 'DYNAMIC' }).issues[0].message, /^expected one of STATIC, STRICT_DNS, EDS, got the string "DYNAMIC"$/);
});

test('defaults are filled and durations normalised, keeping the Envoy shape', () => {
  const c = run(Cluster, { name: 'c', dns_refresh_rate: { seconds: 2, nanos: 500000000 } }).value as Cluster;
  assert.equal(c.connect_timeout, '5s');
  assert.equal(c.lb_policy, undefined, 'no default: Weft balances with peak-EWMA when neither lb_policy nor load_balancing_policy is set');
  assert.equal(c.type, 'STATIC');
  assert.equal(c.dns_refresh_rate, '2.500s');
});

test('null means unset (proto3-JSON); list items may not be null', () => {
  assert.deepEqual(run(RouteMatch, { prefix: '/', headers: null }).issues, []);
  assert.equal(run(RouteMatch, { prefix: '/', headers: [null] }).issues[0].path, 'headers[0]');
});

test('integers may be written as decimal strings, as proto3-JSON allows', () => {
  const e = run(LbEndpoint, { endpoint: { address: { socket_address: { address: '127.0.0.1' } } }, load_balancing_weight: '32768' }).value as LbEndpoint;
  assert.equal(e.load_balancing_weight, 32768);
});

test("google.protobuf.Any dispatches on '@type'; Envoy types Weft lacks are unsupported, others invalid", () => {
  const filters = (typed_config: unknown) => run(HttpConnectionManager, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 's',
    route_config: {},
    http_filters: [{ name: 'f', typed_config }],
  }).issues;
  assert.deepEqual(filters({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' }), []);
  const cors = filters({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' });
  assert.equal(cors[0].code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(cors[0].path, 'http_filters[0].typed_config["@type"]');
  assert.match(cors[0].message, /^Weft does not support envoy\.extensions\.filters\.http\.cors\.v3\.Cors here yet \(supported: envoy\.extensions\.filters\.http\.fault\.v3\.HTTPFault, envoy\.extensions\.filters\.http\.local_ratelimit\.v3\.LocalRateLimit, envoy\.extensions\.filters\.http\.rbac\.v3\.RBAC, envoy\.extensions\.filters\.http\.router\.v3\.Router\)$/);
  // Envoy's is_optional: a filter of a type Weft does not know is left out instead of refused.
  const optional = run(HttpConnectionManager, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 's',
    route_config: {},
    http_filters: [{ name: 'cors', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } }],
  });
  assert.deepEqual(optional.issues, []);
  assert.deepEqual((optional.value as HttpConnectionManager).http_filters, [{ name: 'cors', is_optional: true }]);
  // …but a known type under is_optional is still decoded and checked.
  const known = run(HttpConnectionManager, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 's',
    route_config: {},
    http_filters: [{ name: 'r', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', bogus: 1 } }],
  });
  assert.equal(known.issues[0].path, 'http_filters[0].typed_config.bogus');
  assert.equal(filters({ '@type': 'example.com/acme.Filter' })[0].code, 'WEFT_CONFIG_INVALID');
  assert.match(filters({})[0].message, /^missing '@type'/);
});

test('decoding collects every problem instead of stopping at the first', () => {
  const { issues } = run(RouteConfiguration, {
    virtual_hosts: [
      { name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'x', hedge_policy: { initial_requests: 2 } } }], cors: {} },
      { name: '', domains: [] },
    ],
  });
  assert.deepEqual(issues.map((i) => i.path), [
    'virtual_hosts[0].routes[0].route.hedge_policy',
    'virtual_hosts[0].cors',
    'virtual_hosts[1].name',
    'virtual_hosts[1].domains',
  ]);
});
