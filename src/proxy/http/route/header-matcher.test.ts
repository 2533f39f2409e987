import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeaderList } from '../headers.ts';
import { req, routeName, routesTable } from './route-fixture.ts';

function matches(headers: object[], reqHeaders: HeaderList, path = '/', method = 'GET'): boolean {
  const t = routesTable([{ name: 'r', match: { prefix: '/', headers }, direct_response: { status: 200 } }]);
  return routeName(t, req(path, reqHeaders, 'example.com', method)) === 'r';
}
function query(query_parameters: object[], path: string): boolean {
  const t = routesTable([{ name: 'r', match: { prefix: '/', query_parameters }, direct_response: { status: 200 } }]);
  return routeName(t, req(path)) === 'r';
}

test('string_match forms: exact, prefix, suffix, contains, safe_regex, ignore_case', () => {
  const h = ['x-v', 'Canary-2'];
  assert.equal(matches([{ name: 'x-v', string_match: { exact: 'Canary-2' } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { exact: 'canary-2' } }], h), false);
  assert.equal(matches([{ name: 'x-v', string_match: { exact: 'canary-2', ignore_case: true } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { prefix: 'can', ignore_case: true } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { suffix: '-2' } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { contains: 'ARY', ignore_case: true } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { safe_regex: { regex: 'Canary-[0-9]' } } }], h), true);
  assert.equal(matches([{ name: 'x-v', string_match: { safe_regex: { regex: 'Canary' } } }], h), false, 'regex must match the whole value');
});

test('header names in config are case-insensitive; several matchers must all hold', () => {
  const h = ['x-a', '1', 'x-b', '2'];
  assert.equal(matches([{ name: 'X-A', string_match: { exact: '1' } }, { name: 'x-b', string_match: { exact: '2' } }], h), true);
  assert.equal(matches([{ name: 'x-a', string_match: { exact: '1' } }, { name: 'x-b', string_match: { exact: '3' } }], h), false);
});

test('a header sent several times is matched as its values joined with ","', () => {
  const h = ['x-tag', 'a', 'x-tag', 'b'];
  assert.equal(matches([{ name: 'x-tag', string_match: { exact: 'a,b' } }], h), true);
  assert.equal(matches([{ name: 'x-tag', string_match: { exact: 'a' } }], h), false);
});

test('presence: no specifier, present_match true/false, inverted', () => {
  assert.equal(matches([{ name: 'x-a' }], ['x-a', '']), true);
  assert.equal(matches([{ name: 'x-a' }], []), false);
  assert.equal(matches([{ name: 'x-a', present_match: false }], []), true);
  assert.equal(matches([{ name: 'x-a', present_match: false }], ['x-a', '1']), false);
  assert.equal(matches([{ name: 'x-a', present_match: true, invert_match: true }], []), true);
});

test('invert_match inverts the value test, but a missing header still fails it (Envoy)', () => {
  const m = [{ name: 'x-env', string_match: { exact: 'prod' }, invert_match: true }];
  assert.equal(matches(m, ['x-env', 'dev']), true);
  assert.equal(matches(m, ['x-env', 'prod']), false);
  assert.equal(matches(m, []), false);
});

test('treat_missing_header_as_empty: the documented examples', () => {
  const range = { name: 'header1', range_match: { start: 0, end: 10 }, invert_match: true };
  assert.equal(matches([{ ...range, treat_missing_header_as_empty: true }], []), true);
  assert.equal(matches([range], []), false);
  const empty = { name: 'header3', string_match: { safe_regex: { regex: '^$' } } };
  assert.equal(matches([{ ...empty, treat_missing_header_as_empty: true }], []), true);
  assert.equal(matches([empty], []), false);
});

test('legacy specifiers: exact_match (empty means presence), prefix/suffix/contains_match, range_match', () => {
  assert.equal(matches([{ name: 'x', exact_match: '' }], ['x', 'anything']), true);
  assert.equal(matches([{ name: 'x', exact_match: 'a' }], ['x', 'a']), true);
  assert.equal(matches([{ name: 'x', prefix_match: 'ab' }], ['x', 'abc']), true);
  assert.equal(matches([{ name: 'x', suffix_match: 'bc' }], ['x', 'abc']), true);
  assert.equal(matches([{ name: 'x', contains_match: 'b' }], ['x', 'abc']), true);
  const r = [{ name: 'x', range_match: { start: -10, end: 0 } }];
  assert.equal(matches(r, ['x', '-1']), true);
  for (const v of ['0', 'somestring', '10.9', '-1somestring', '']) assert.equal(matches(r, ['x', v]), false, v);
  assert.equal(matches([{ name: 'x', safe_regex_match: { regex: '\\d{3}' } }], ['x', '1234']), false);
  assert.equal(matches([{ name: 'x', safe_regex_match: { regex: '\\d{3}' }, invert_match: true }], ['x', '1234']), true);
});

test('pseudo-headers :method, :path and :authority are matchable', () => {
  assert.equal(matches([{ name: ':method', string_match: { exact: 'POST' } }], [], '/', 'POST'), true);
  assert.equal(matches([{ name: ':method', string_match: { exact: 'POST' } }], [], '/', 'GET'), false);
  assert.equal(matches([{ name: ':path', string_match: { prefix: '/a?' } }], [], '/a?b'), true);
  assert.equal(matches([{ name: ':authority', string_match: { exact: 'example.com' } }], []), true);
});

test('query parameters: first value, raw (undecoded) text, presence', () => {
  assert.equal(query([{ name: 'debug', string_match: { exact: 'true' } }], '/x?debug=true'), true);
  assert.equal(query([{ name: 'debug', string_match: { exact: 'true' } }], '/x?debug=false&debug=true'), false);
  assert.equal(query([{ name: 'q', string_match: { exact: 'a b' } }], '/x?q=a%20b'), false, 'Envoy matches the raw text');
  assert.equal(query([{ name: 'q', string_match: { exact: 'a%20b' } }], '/x?q=a%20b'), true);
  assert.equal(query([{ name: 'flag' }], '/x?flag'), true);
  assert.equal(query([{ name: 'flag', present_match: true }], '/x?a=1'), false);
  assert.equal(query([{ name: 'flag', present_match: false }], '/x?flag=1'), true, 'present_match: false still means present (Envoy)');
  assert.equal(query([{ name: 'a', string_match: { exact: '' } }], '/x?a'), true);
});
