import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PathIndex, type IndexedRoute } from './path-index.ts';
import { RequestView } from './request-view.ts';
import { req, routeName, routesTable } from './route-fixture.ts';

function naive(routes: readonly IndexedRoute[], view: RequestView): number {
  return routes.findIndex((r) => {
    const n = r.value.length;
    const pathOk = r.exact ? view.end === n && view.req.path.startsWith(r.value) : view.end >= n && view.req.path.startsWith(r.value);
    return pathOk && (r.rest === null || r.rest(view));
  });
}

const segment = fc.constantFrom('', 'a', 'b', 'ab', 'api', 'v1');
const pathArb = fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);

test('property: the index returns exactly what the in-order scan returns', () => {
  const routeArb = fc.record({
    exact: fc.boolean(),
    value: fc.oneof(pathArb, fc.constant('')),
    // Some routes also need a header: their order relative to others must still hold.
    header: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(routeArb, { minLength: 1, maxLength: 30 }), pathArb, fc.constantFrom('', '?q=1', '#f'), fc.constantFrom('x', 'y', 'z'), (specs, path, suffix, header) => {
      const routes: IndexedRoute[] = specs.map((s) => ({
        exact: s.exact,
        value: s.value,
        rest: s.header === null ? null : (v: RequestView) => v.header('h') === s.header,
      }));
      const view = new RequestView();
      view.reset(req(path + suffix, ['h', header]));
      assert.equal(new PathIndex(routes).first(view), naive(routes, view));
    }),
    { numRuns: 500 },
  );
});

test('a long table answers like a short one: first match wins across the scanned head and the index', () => {
  const routes = [
    ...Array.from({ length: 30 }, (_, i) => ({ name: `p${i}`, match: { prefix: `/svc${i}/` }, direct_response: { status: 200 } })),
    { name: 'hdr', match: { prefix: '/svc3', headers: [{ name: 'x-a' }] }, direct_response: { status: 200 } },
    { name: 'exact', match: { path: '/svc3' }, direct_response: { status: 200 } },
    { name: 'any', match: { prefix: '/' }, direct_response: { status: 200 } },
  ];
  const t = routesTable(routes);
  assert.equal(routeName(t, req('/svc1/x')), 'p1');
  assert.equal(routeName(t, req('/svc25/x')), 'p25');
  assert.equal(routeName(t, req('/svc3')), 'exact');
  assert.equal(routeName(t, req('/svc3', ['x-a', '1'])), 'hdr');
  assert.equal(routeName(t, req('/svc3/x?y')), 'p3');
  assert.equal(routeName(t, req('/other')), 'any');
});
