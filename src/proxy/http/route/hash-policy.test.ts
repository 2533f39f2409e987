// hash_policy: each input (header, cookie, source IP, query parameter), absence, folding several
// policies, and `terminal`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineHash, xxhash32 } from '../../balance/hash.ts';
import { decode, formatPath, Issues, RouteAction, type HashPolicy } from '../../../xds/envoy/index.ts';
import { compileHashPolicy, cookieValue, queryValue } from './hash-policy.ts';
import type { RouteRequest } from './types.ts';

const req = (headers: string[] = [], path = '/', authority = 'shop'): RouteRequest => ({ authority, method: 'GET', path, headers });
const hashOf = (policies: HashPolicy[], r: RouteRequest, source = '10.1.2.3') => compileHashPolicy(policies)!.hash(r, source);

test('no hash_policy compiles to null: nothing runs per request', () => {
  assert.equal(compileHashPolicy(undefined), null);
  assert.equal(compileHashPolicy([]), null);
});

test('header: the value’s hash; absent → no hash; several values in any order hash alike', () => {
  const p: HashPolicy[] = [{ header: { header_name: 'X-User' } }];
  assert.equal(hashOf(p, req(['x-user', 'alice'])), xxhash32('alice'));
  assert.equal(hashOf(p, req(['x-other', 'alice'])), undefined);
  assert.equal(hashOf(p, req(['x-user', 'a', 'x-user', 'b'])), hashOf(p, req(['x-user', 'b', 'x-user', 'a'])));
  assert.equal(hashOf([{ header: { header_name: ':authority' } }], req([], '/', 'api.example')), xxhash32('api.example'));
});

test('cookie: an existing cookie’s value, found in any Cookie header', () => {
  const p: HashPolicy[] = [{ cookie: { name: 'session' } }];
  assert.equal(hashOf(p, req(['cookie', 'a=1; session=s42; b=2'])), xxhash32('s42'));
  assert.equal(hashOf(p, req(['cookie', 'a=1', 'cookie', 'session="q"'])), xxhash32('q'));
  assert.equal(hashOf(p, req(['cookie', 'mysession=x; sessionx=y'])), undefined);
  assert.equal(cookieValue(['cookie', 'session='], 'session'), '');
});

test('query_parameter: the first raw value', () => {
  const p: HashPolicy[] = [{ query_parameter: { name: 'user' } }];
  assert.equal(hashOf(p, req([], '/a?x=1&user=bob&user=eve')), xxhash32('bob'));
  assert.equal(hashOf(p, req([], '/a?username=bob')), undefined);
  assert.equal(queryValue('/a?user', 'user'), '');
  assert.equal(queryValue('/a?x=1#user=2', 'user'), undefined, 'the fragment is not the query');
  assert.equal(queryValue('/user=1', 'user'), undefined);
});

test('connection_properties.source_ip: the downstream address; false hashes nothing', () => {
  assert.equal(hashOf([{ connection_properties: { source_ip: true } }], req(), '10.9.9.9'), xxhash32('10.9.9.9'));
  assert.equal(hashOf([{ connection_properties: { source_ip: false } }], req()), undefined);
});

test('several policies fold together in order; a terminal one that produced a hash ends the list', () => {
  const r = req(['x-a', 'A', 'x-b', 'B']);
  const a = xxhash32('A');
  const b = xxhash32('B');
  assert.equal(hashOf([{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-b' } }], r), combineHash(a, b));
  assert.equal(hashOf([{ header: { header_name: 'x-a' }, terminal: true }, { header: { header_name: 'x-b' } }], r), a);
  // A terminal policy without a value does not stop the list.
  assert.equal(hashOf([{ header: { header_name: 'x-none' }, terminal: true }, { header: { header_name: 'x-b' } }], r), b);
});

test('config: cookie generation (ttl, path, attributes), filter_state and regex_rewrite are refused by name', () => {
  const refused = (policy: Record<string, unknown>) => {
    const issues = new Issues();
    decode(RouteAction, { cluster: 'c', hash_policy: [policy] }, [], issues);
    return issues.list.map((i) => `${i.code} ${formatPath(i.path)}: ${i.message}`);
  };
  assert.deepEqual(refused({ cookie: { name: 's', ttl: '60s' } }), [
    "WEFT_CONFIG_UNSUPPORTED hash_policy[0].cookie.ttl: Weft does not support 'ttl' yet: Weft hashes an existing cookie only and does not generate one",
  ]);
  assert.equal(refused({ filter_state: { key: 'k' } })[0].split(' ')[0], 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(refused({ header: { header_name: 'h', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } } })[0].split(' ')[0], 'WEFT_CONFIG_UNSUPPORTED');
  assert.match(refused({ terminal: true })[0], /one of 'header', 'cookie', 'connection_properties', 'query_parameter' is required/);
  assert.deepEqual(refused({ cookie: { name: 's' }, terminal: true }), []);
});
