import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHeaderMutation } from './header-mutation.ts';
import { req, table } from './route-fixture.ts';

const opt = (key: string, value: string, extra: object = {}) => ({ header: { key, value }, ...extra });

function apply(add: object[], remove: string[], headers: string[]): string[] {
  const m = compileHeaderMutation(add as never, remove);
  const h = [...headers];
  m?.(h);
  return h;
}

test('removals run before additions; names are lower-cased', () => {
  assert.deepEqual(apply([opt('X-A', 'new')], ['X-A'], ['x-a', 'old', 'x-b', '1']), ['x-b', '1', 'x-a', 'new']);
});

test('append actions: append, add-if-absent, overwrite-or-add, overwrite-if-exists', () => {
  const h = ['x-a', '1'];
  assert.deepEqual(apply([opt('x-a', '2')], [], h), ['x-a', '1', 'x-a', '2']);
  assert.deepEqual(apply([opt('x-a', '2', { append_action: 'ADD_IF_ABSENT' })], [], h), ['x-a', '1']);
  assert.deepEqual(apply([opt('x-b', '2', { append_action: 'ADD_IF_ABSENT' })], [], h), ['x-a', '1', 'x-b', '2']);
  assert.deepEqual(apply([opt('x-a', '2', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })], [], ['x-a', '1', 'x-a', '0']), ['x-a', '2']);
  assert.deepEqual(apply([opt('x-b', '2', { append_action: 'OVERWRITE_IF_EXISTS' })], [], h), ['x-a', '1']);
  assert.deepEqual(apply([opt('x-a', '2', { append_action: 'OVERWRITE_IF_EXISTS' })], [], h), ['x-a', '2']);
});

test('legacy append: false means overwrite-or-add, true (or absent) means append', () => {
  assert.deepEqual(apply([opt('x-a', '2', { append: false })], [], ['x-a', '1']), ['x-a', '2']);
  assert.deepEqual(apply([opt('x-a', '2', { append: true })], [], ['x-a', '1']), ['x-a', '1', 'x-a', '2']);
});

test('conditions are decided against the headers before this level adds anything', () => {
  // Envoy evaluates every entry first, then overwrites, then appends.
  const h = apply([opt('x-a', '1', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), opt('x-a', '2', { append_action: 'ADD_IF_ABSENT' })], [], []);
  assert.deepEqual(h, ['x-a', '1', 'x-a', '2']);
});

test('empty values are skipped unless keep_empty_value; %% is a literal percent', () => {
  assert.deepEqual(apply([opt('x-a', '')], [], []), []);
  assert.deepEqual(apply([opt('x-a', '', { keep_empty_value: true })], [], []), ['x-a', '']);
  assert.deepEqual(apply([opt('x-pct', '100%%')], [], []), ['x-pct', '100%']);
  assert.equal(compileHeaderMutation([], []), null);
});

const levels = (mostSpecificWins: boolean) =>
  table({
    most_specific_header_mutations_wins: mostSpecificWins,
    request_headers_to_add: [opt('x-level', 'config', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), opt('x-trail', 'config')],
    response_headers_to_add: [opt('x-level', 'config', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })],
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        request_headers_to_add: [opt('x-level', 'vhost', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), opt('x-trail', 'vhost')],
        routes: [
          {
            match: { prefix: '/' },
            request_headers_to_add: [opt('x-level', 'route', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), opt('x-trail', 'route')],
            response_headers_to_add: [opt('x-level', 'route', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })],
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'a', weight: 1, request_headers_to_add: [opt('x-trail', 'cluster-a')], response_headers_to_add: [opt('x-from', 'a')] },
                  { name: 'b', weight: 1 },
                ],
              },
            },
          },
        ],
      },
    ],
  });

test('by default route → virtual host → route configuration run in that order, so the config level wins', () => {
  const route = levels(false).match(req('/'))!.route;
  const h: string[] = [];
  route.mutateRequestHeaders(h);
  assert.deepEqual(h, ['x-trail', 'route', 'x-trail', 'vhost', 'x-level', 'config', 'x-trail', 'config']);
});

test('most_specific_header_mutations_wins reverses the order, so the route level wins', () => {
  const route = levels(true).match(req('/'))!.route;
  const h: string[] = [];
  route.mutateRequestHeaders(h);
  assert.deepEqual(h, ['x-trail', 'config', 'x-trail', 'vhost', 'x-level', 'route', 'x-trail', 'route']);
  const r: string[] = [];
  route.mutateResponseHeaders(r);
  assert.deepEqual(r, ['x-level', 'route']);
});

test("a weighted cluster's own mutations run first, for the cluster that was picked", () => {
  const route = levels(false).match(req('/'))!.route;
  const a: string[] = [];
  route.mutateRequestHeaders(a, 'a');
  assert.deepEqual(a.slice(0, 2), ['x-trail', 'cluster-a']);
  const b: string[] = [];
  route.mutateRequestHeaders(b, 'b');
  assert.equal(b[1], 'route');
  const resp: string[] = [];
  route.mutateResponseHeaders(resp, 'a');
  assert.deepEqual(resp, ['x-from', 'a', 'x-level', 'config']);
});
