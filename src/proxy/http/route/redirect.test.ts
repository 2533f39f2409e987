import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processRequestHost } from './redirect.ts';
import { req, routesTable } from './route-fixture.ts';
import type { RedirectAction } from './types.ts';

function redirect(r: object, match: object = { prefix: '/' }, path = '/'): RedirectAction {
  const a = routesTable([{ match, redirect: r }]).match(req(path))?.route.action;
  assert.equal(a?.kind, 'redirect');
  return a as RedirectAction;
}
const loc = (r: object, path: string, authority = 'example.com', scheme = 'http', match: object = { prefix: '/' }) =>
  redirect(r, match, path).location(req(path, [], authority), scheme);

test('status codes map from RedirectResponseCode; 301 by default', () => {
  assert.equal(redirect({ path_redirect: '/x' }).status, 301);
  const codes = { FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };
  for (const [name, code] of Object.entries(codes)) assert.equal(redirect({ path_redirect: '/x', response_code: name }).status, code);
});

test('path_redirect and the query string: the three documented cases', () => {
  assert.equal(loc({ path_redirect: '/new-path-1' }, '/old-path-1?bar=1'), 'http://example.com/new-path-1?bar=1');
  assert.equal(loc({ path_redirect: '/new-path-2', strip_query: true }, '/old-path-2?bar=1'), 'http://example.com/new-path-2');
  assert.equal(loc({ path_redirect: '/new-path-3?foo=1', strip_query: true }, '/old-path-3?bar=1'), 'http://example.com/new-path-3?foo=1');
});

test('https_redirect keeps the path and drops the default port of the old scheme', () => {
  assert.equal(loc({ https_redirect: true }, '/a?b=1', 'example.com'), 'https://example.com/a?b=1');
  assert.equal(loc({ https_redirect: true }, '/a', 'example.com:80'), 'https://example.com/a');
  assert.equal(loc({ https_redirect: true }, '/a', 'example.com:8080'), 'https://example.com:8080/a');
  assert.equal(loc({ scheme_redirect: 'http' }, '/a', 'example.com:443', 'https'), 'http://example.com/a');
  assert.equal(loc({ https_redirect: true }, '/a', 'example.com:443', 'https'), 'https://example.com:443/a', 'same scheme: port kept');
});

test('host_redirect replaces host and port; port_redirect replaces the port', () => {
  assert.equal(loc({ host_redirect: 'new.example.com' }, '/a', 'old.example.com:8080'), 'http://new.example.com/a');
  assert.equal(loc({ port_redirect: 8443 }, '/a', 'example.com:8080'), 'http://example.com:8443/a');
  assert.equal(loc({ port_redirect: 8443, host_redirect: 'x.com' }, '/a'), 'http://x.com:8443/a');
  assert.equal(loc({ port_redirect: 8443 }, '/a', '[::1]:8080'), 'http://[::1]:8443/a');
});

test('prefix_rewrite and regex_rewrite rewrite the redirect path', () => {
  assert.equal(loc({ prefix_rewrite: '/v2/' }, '/v1/items?id=3', 'example.com', 'http', { prefix: '/v1/' }), 'http://example.com/v2/items?id=3');
  assert.equal(
    loc({ regex_rewrite: { pattern: { regex: '^/user/([0-9]+)$' }, substitution: '/users/\\1' } }, '/user/42?x'),
    'http://example.com/users/42?x',
  );
  assert.equal(loc({ prefix_rewrite: '/v2/', strip_query: true }, '/v1/a?x', 'example.com', 'http', { prefix: '/v1/' }), 'http://example.com/v2/a');
});

test('a path without a leading slash gets one', () => {
  assert.equal(loc({ prefix_rewrite: 'x' }, '/a/b', 'example.com', 'http', { prefix: '/a/' }), 'http://example.com/xb');
});

test('processRequestHost: default ports are removed only when the scheme changes', () => {
  assert.equal(processRequestHost('a.com:80', 'https', '', 'http'), 'a.com');
  assert.equal(processRequestHost('a.com:80', 'http', '', 'http'), 'a.com:80');
  assert.equal(processRequestHost('a.com:81', 'https', '', 'http'), 'a.com:81');
  assert.equal(processRequestHost('[::1]:443', 'http', '', 'https'), '[::1]');
  assert.equal(processRequestHost('[::1]', 'http', ':1', 'https'), '[::1]');
  assert.equal(processRequestHost('', 'https', '', 'http'), '');
});
