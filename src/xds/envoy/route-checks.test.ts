import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './decode.ts';
import { Issues, formatPath } from './issues.ts';
import { RouteConfiguration } from './route.ts';
import { checkRouteConfiguration, hasFormatter, MAX_ROUTES_PER_ROUTE_CONFIGURATION } from './route-checks.ts';

const CLUSTERS = new Set(['a', 'b']);

function check(rc: unknown, validateClustersDefault = true) {
  const issues = new Issues();
  const value = decode(RouteConfiguration, rc, [], issues) as RouteConfiguration;
  assert.equal(issues.size, 0, 'fixture must decode');
  checkRouteConfiguration(value, [], issues, { validateClustersDefault, clusters: CLUSTERS });
  return issues.list.map((i) => ({ code: i.code, path: formatPath(i.path), message: i.message }));
}

const vh = (domains: string[], routes: unknown[] = [], extra: object = {}) => ({ name: domains[0] ?? 'vh', domains, routes, ...extra });
const fwd = (route: object, match: object = { prefix: '/' }) => ({ match, route });

test('a clean table has no issues', () => {
  assert.deepEqual(check({ virtual_hosts: [vh(['*'], [fwd({ cluster: 'a' })])] }), []);
});

test('domains must be unique across virtual hosts, and only one may be "*"', () => {
  const issues = check({ virtual_hosts: [vh(['Foo.com', '*']), vh(['foo.com']), vh(['*'])] });
  assert.deepEqual(issues.map((i) => i.path), ['virtual_hosts[1].domains[0]', 'virtual_hosts[2].domains[0]']);
  assert.match(issues[0].message, /^duplicate domain 'foo.com' \(also at virtual_hosts\[0\]\.domains\[0\]\)/);
  assert.match(issues[1].message, /^only one virtual host may use the '\*' domain/);
});

test('invalid wildcard domains are refused', () => {
  assert.match(check({ virtual_hosts: [vh(['a.*.com'])] })[0].message, /'\*' may only be/);
});

test('a route naming an unknown cluster is refused unless validate_clusters is false', () => {
  const rc = (validate?: boolean) => ({
    ...(validate === undefined ? {} : { validate_clusters: validate }),
    virtual_hosts: [vh(['*'], [fwd({ cluster: 'nope', request_mirror_policies: [{ cluster: 'shadow' }] })])],
  });
  const issues = check(rc());
  assert.deepEqual(issues.map((i) => i.path), ['virtual_hosts[0].routes[0].route.cluster', 'virtual_hosts[0].routes[0].route.request_mirror_policies[0].cluster']);
  assert.match(issues[0].message, /^unknown cluster 'nope' \(defined: a, b\)/);
  assert.deepEqual(check(rc(false)), []);
  assert.deepEqual(check(rc(), false), [], 'RDS default: not validated');
});

test('weighted clusters: weights must add up to more than 0, and to total_weight when set', () => {
  const w = (clusters: object[], total?: number) => check({ virtual_hosts: [vh(['*'], [fwd({ weighted_clusters: { clusters, ...(total ? { total_weight: total } : {}) } })])] });
  assert.match(w([{ name: 'a', weight: 0 }, { name: 'b' }])[0].message, /add up to more than 0/);
  assert.match(w([{ name: 'a', weight: 30 }, { name: 'b', weight: 30 }], 100)[0].message, /add up to 60, not total_weight 100/);
  assert.deepEqual(w([{ name: 'a', weight: 30 }, { name: 'b', weight: 70 }], 100), []);
});

test('header values with %-substitutions are unsupported; %% is a literal percent', () => {
  assert.equal(hasFormatter('100%%'), false);
  assert.equal(hasFormatter('%DOWNSTREAM_REMOTE_ADDRESS%'), true);
  assert.equal(hasFormatter('50%'), true);
  const issues = check({
    request_headers_to_add: [{ header: { key: 'x-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } }, { header: { key: 'x-pct', value: '100%%' } }],
  });
  assert.deepEqual(issues.map((i) => [i.code, i.path]), [['WEFT_CONFIG_UNSUPPORTED', 'request_headers_to_add[0].header.value']]);
});

test('pseudo-headers and host may not be added or removed; append and append_action conflict', () => {
  const issues = check({
    virtual_hosts: [
      vh(['*'], [], {
        request_headers_to_add: [
          { header: { key: ':path', value: '/x' } },
          { header: { key: 'x-a', value: '1' }, append: false, append_action: 'ADD_IF_ABSENT' },
          { header: { key: 'bad name', value: '1' } },
        ],
        response_headers_to_remove: ['Host'],
      }),
    ],
  });
  assert.deepEqual(issues.map((i) => i.path), [
    'virtual_hosts[0].request_headers_to_add[0].header.key',
    'virtual_hosts[0].request_headers_to_add[1]',
    'virtual_hosts[0].request_headers_to_add[2].header.key',
    'virtual_hosts[0].response_headers_to_remove[0]',
  ]);
  assert.match(issues[0].message, /:-prefixed or host headers may not be modified/);
});

test('regexes are checked wherever they appear, with the path of the pattern', () => {
  const issues = check({
    virtual_hosts: [
      vh(['*'], [
        { match: { safe_regex: { regex: '(a)\\1' } }, route: { cluster: 'a' } },
        { match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: '(' } } }] }, route: { cluster: 'a' } },
        fwd({ cluster: 'a', regex_rewrite: { pattern: { regex: '^/(a)/' }, substitution: '/\\2/' } }),
      ]),
    ],
  });
  assert.deepEqual(issues.map((i) => [i.code, i.path]), [
    ['WEFT_CONFIG_UNSUPPORTED', 'virtual_hosts[0].routes[0].match.safe_regex.regex'],
    ['WEFT_CONFIG_INVALID', 'virtual_hosts[0].routes[1].match.headers[0].string_match.safe_regex.regex'],
    ['WEFT_CONFIG_INVALID', 'virtual_hosts[0].routes[2].route.regex_rewrite.substitution'],
  ]);
});

test('direct response bodies are capped at max_direct_response_body_size_bytes (default 4096)', () => {
  const route = (n: number) => ({ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'x'.repeat(n) } } });
  assert.deepEqual(check({ virtual_hosts: [vh(['*'], [route(4096)])] }), []);
  assert.match(check({ virtual_hosts: [vh(['*'], [route(4097)])] })[0].message, /^response body size is 4097 bytes; maximum is 4096/);
  assert.deepEqual(check({ max_direct_response_body_size_bytes: 8192, virtual_hosts: [vh(['*'], [route(5000)])] }), []);
});

test(`a table of more than ${MAX_ROUTES_PER_ROUTE_CONFIGURATION} routes is refused`, () => {
  const routes = Array.from({ length: MAX_ROUTES_PER_ROUTE_CONFIGURATION + 1 }, () => fwd({ cluster: 'a' }));
  const issues = check({ virtual_hosts: [vh(['*'], routes)] });
  assert.equal(issues.length, 1);
  assert.match(issues[0].message, /exceed Weft's limit/);
});

test('header values must be valid HTTP field values (Latin-1 obs-text allowed; controls and wider characters refused)', () => {
  const issues = check({
    request_headers_to_add: [
      { header: { key: 'x-ok', value: 'caf\u00e9\tand more' } },
      { header: { key: 'x-ctl', value: 'a\u0007b' } },
      { header: { key: 'x-wide', value: '\u010a' } },
      { header: { key: 'x-lf', value: 'a\nb' } },
    ],
  });
  assert.deepEqual(issues.map((i) => i.path), [
    'request_headers_to_add[1].header.value', 'request_headers_to_add[2].header.value', 'request_headers_to_add[3].header.value',
  ]);
});
