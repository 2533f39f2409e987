import { test } from 'node:test';
import assert from 'node:assert/strict';
import { req, routeName, routesTable } from './route-fixture.ts';

const route = (name: string, match: object) => ({ name, match, direct_response: { status: 200 } });
const hits = (match: object, path: string) => routeName(routesTable([route('r', match)]), req(path)) === 'r';

test('prefix matches the path without query string or fragment', () => {
  assert.equal(hits({ prefix: '/api' }, '/api/users'), true);
  assert.equal(hits({ prefix: '/api' }, '/apis'), true);
  assert.equal(hits({ prefix: '/api' }, '/ap?i'), false);
  assert.equal(hits({ prefix: '/api?' }, '/api?x'), false, 'the query is not part of the path');
  assert.equal(hits({ prefix: '/a' }, '/#a'), false);
  assert.equal(hits({ prefix: '' }, '/anything'), true);
});

test('path is an exact match once the query is removed', () => {
  assert.equal(hits({ path: '/healthz' }, '/healthz'), true);
  assert.equal(hits({ path: '/healthz' }, '/healthz?full=1'), true);
  assert.equal(hits({ path: '/healthz' }, '/healthz/'), false);
  assert.equal(hits({ path: '/healthz' }, '/health'), false);
});

test('case_sensitive (default true) applies to prefix and path, ASCII only', () => {
  assert.equal(hits({ prefix: '/API' }, '/api'), false);
  assert.equal(hits({ prefix: '/API', case_sensitive: false }, '/api/x'), true);
  assert.equal(hits({ path: '/Ping', case_sensitive: false }, '/PING?x=Y'), true);
  assert.equal(hits({ path: '/\u00c4', case_sensitive: false }, '/\u00e4'), false);
});

test('safe_regex must match the whole path (no query); case_sensitive does not apply', () => {
  const m = { safe_regex: { regex: '/users/[0-9]+' } };
  assert.equal(hits(m, '/users/42'), true);
  assert.equal(hits(m, '/users/42?x=1'), true);
  assert.equal(hits(m, '/users/42/posts'), false);
  assert.equal(hits({ safe_regex: { regex: '/USERS' }, case_sensitive: false }, '/users'), false);
});

test("path_separated_prefix: Envoy's documented example", () => {
  const m = { path_separated_prefix: '/api/dev' };
  for (const p of ['/api/dev', '/api/dev/', '/api/dev/v1', '/api/dev?param=true']) assert.equal(hits(m, p), true, p);
  assert.equal(hits(m, '/api/developer'), false);
  assert.equal(hits(m, '/api'), false);
  assert.equal(hits({ ...m, case_sensitive: false }, '/API/Dev/x'), true);
});

test('routes are tried in order and the first match wins', () => {
  const t = routesTable([route('exact', { path: '/a' }), route('prefix', { prefix: '/a' }), route('all', { prefix: '/' })]);
  assert.equal(routeName(t, req('/a')), 'exact');
  assert.equal(routeName(t, req('/ab')), 'prefix');
  assert.equal(routeName(t, req('/b')), 'all');
  assert.equal(routeName(routesTable([route('x', { prefix: '/x' })]), req('/y')), null);
});
