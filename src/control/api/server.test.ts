// The REST API against a real server on port 0 (memory store): Kubernetes paths, Status
// errors with field paths, apply outcomes and dry run, optimistic concurrency, NDJSON watch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServer } from './server.ts';
import { openMemoryStore } from '../sources/store/index.ts';

async function withServer(fn: (base: string, server: ApiServer, lines: string[]) => Promise<void>): Promise<void> {
  const store = openMemoryStore();
  const lines: string[] = [];
  const server = await startApiServer({ store, port: 0, address: '127.0.0.1', log: (l) => lines.push(l) });
  try {
    await fn(`http://127.0.0.1:${server.port}`, server, lines);
  } finally {
    await server.close();
    await store.close();
  }
}

const SVC = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{name: http, port: 80}]}\n';
const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: web, port: 80}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;

const YAML = { 'content-type': 'application/yaml' };

const post = (base: string, body: string, query = '', source = 'mesh.yaml') =>
  fetch(`${base}/apply${query}`, { method: 'POST', body, headers: { 'content-type': 'application/yaml', 'x-weft-source': source } });

test('apply: created, then unchanged, then configured; dry run writes nothing', async () => {
  await withServer(async (base, _s, lines) => {
    const dry = await (await post(base, `${SVC}---\n${ROUTE}`, '?dryRun=1')).json() as { dryRun: boolean; items: { outcome: string }[] };
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.items.map((i) => i.outcome), ['created', 'created']);
    assert.equal((await fetch(`${base}/api/v1/namespaces/shop/services/web`)).status, 404);
    const first = await (await post(base, `${SVC}---\n${ROUTE}`)).json() as { items: { kind: string; name: string; namespace: string; outcome: string }[] };
    assert.deepEqual(first.items.map((i) => `${i.kind} ${i.namespace}/${i.name} ${i.outcome}`), ['Service shop/web created', 'HTTPRoute shop/web created']);
    const again = await (await post(base, `${SVC}---\n${ROUTE}`)).json() as { items: { outcome: string }[] };
    assert.deepEqual(again.items.map((i) => i.outcome), ['unchanged', 'unchanged']);
    const changed = await (await post(base, SVC.replace('port: 80', 'port: 81'))).json() as { items: { outcome: string }[] };
    assert.deepEqual(changed.items.map((i) => i.outcome), ['configured']);
    assert.deepEqual(lines, [
      'apply Service shop/web created (resourceVersion 1)',
      'apply HTTPRoute shop/web created (resourceVersion 2)',
      'apply Service shop/web configured (resourceVersion 3)',
    ]);
  });
});

test('apply: an invalid document is a 422 Status with field paths and file:line; nothing is applied', async () => {
  await withServer(async (base) => {
    const bad = ROUTE.replace('rules: [{backendRefs: [{name: web, port: 80}]}]', 'rules: [{matches: [{path: {type: Exact, value: nope}}]}]');
    const res = await post(base, `${SVC}---\n${bad}`);
    assert.equal(res.status, 422);
    const status = await res.json() as { kind: string; reason: string; code: number; message: string; details: { causes: { field: string; location: string; message: string }[] } };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.code, 422);
    assert.match(status.message, /1 problem in mesh\.yaml; nothing was applied/);
    assert.equal(status.details.causes[0].field, 'spec.rules[0].matches[0].path.value');
    assert.equal(status.details.causes[0].location, 'mesh.yaml:11:50');
    assert.equal((await fetch(`${base}/api/v1/namespaces/shop/services/web`)).status, 404, 'the valid Service in the same input was not applied either');
  });
});

test('get, list (one namespace and all), put with optimistic concurrency, delete', async () => {
  await withServer(async (base) => {
    await post(base, `${SVC}---\n${SVC.replace('shop', 'other')}`);
    const one = await (await fetch(`${base}/api/v1/namespaces/shop/services/web`)).json() as { metadata: { resourceVersion: string; uid: string } };
    assert.equal(one.metadata.resourceVersion, '1');
    const list = await (await fetch(`${base}/api/v1/namespaces/shop/services`)).json() as { kind: string; metadata: { resourceVersion: string }; items: unknown[] };
    assert.equal(list.kind, 'ServiceList');
    assert.equal(list.items.length, 1);
    assert.equal(list.metadata.resourceVersion, '2');
    const all = await (await fetch(`${base}/api/v1/services`)).json() as { items: unknown[] };
    assert.equal(all.items.length, 2);

    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' }, spec: { ports: [{ port: 90 }] } });
    const put = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { method: 'PUT', body, headers: YAML });
    assert.equal(put.status, 200);
    const stale = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { method: 'PUT', body, headers: YAML });
    assert.equal(stale.status, 409);
    const conflict = await stale.json() as { reason: string; message: string };
    assert.equal(conflict.reason, 'Conflict');
    assert.match(conflict.message, /has been modified/);
    const created = await fetch(`${base}/apis/weft.dev/v1alpha1/meshconfigs/default`, { method: 'PUT', body: 'apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: default}\nspec: {}\n', headers: YAML });
    assert.equal(created.status, 201);
    const mismatch = await fetch(`${base}/api/v1/namespaces/shop/services/other-name`, { method: 'PUT', body, headers: YAML });
    assert.equal(mismatch.status, 400);
    assert.match((await mismatch.json() as { message: string }).message, /does not match the path's "other-name"/);

    const mc = await fetch(`${base}/apis/weft.dev/v1alpha1/meshconfigs/mesh`, { method: 'PUT', body: 'apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: mesh}\nspec: {}\n', headers: YAML });
    assert.equal(mc.status, 422);
    assert.match((await mc.json() as { message: string }).message, /metadata\.name: there is one MeshConfig per mesh/);
    const staleDelete = await fetch(`${base}/api/v1/namespaces/shop/services/web?resourceVersion=1`, { method: 'DELETE' });
    assert.equal(staleDelete.status, 409);
    const dryDelete = await fetch(`${base}/api/v1/namespaces/shop/services/web?dryRun=All`, { method: 'DELETE' });
    assert.equal(dryDelete.status, 200);
    assert.equal((await fetch(`${base}/api/v1/namespaces/shop/services/web`)).status, 200, 'a dry-run delete deletes nothing');
    const del = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const gone = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.equal((await gone.json() as { reason: string }).reason, 'NotFound');
  });
});

test('unknown paths, methods and oversized bodies get Status errors that say what to do', async () => {
  await withServer(async (base) => {
    const nf = await fetch(`${base}/apis/weft.dev/v1alpha1/widgets`);
    assert.equal(nf.status, 404);
    assert.match((await nf.json() as { message: string }).message, /served: \/api\/v1\/services/);
    const scope = await fetch(`${base}/api/v1/services/web`);
    assert.equal(scope.status, 404);
    assert.match((await scope.json() as { message: string }).message, /namespaced: address it as …\/namespaces\/<ns>\/services\/web/);
    const m = await fetch(`${base}/apply`);
    assert.equal(m.status, 405);
    const big = await post(base, 'x'.repeat(8 * 1024 * 1024 + 10));
    assert.equal(big.status, 413);
    const pct = await fetch(`${base}/api/v1/namespaces/%E0%A4%A/services`);
    assert.equal(pct.status, 404);
    assert.match((await pct.json() as { message: string }).message, /not validly percent-encoded/);
    const health = await fetch(`${base}/healthz`);
    assert.equal(await health.text(), 'ok\n');
    const disc = await (await fetch(`${base}/apis`)).json() as { resources: { name: string }[] };
    assert.ok(disc.resources.some((r) => r.name === 'httproutes'));
  });
});

async function readLines(res: Response, n: number): Promise<{ type: string; object: { metadata: { name: string; resourceVersion: string } } }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const out: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[] = [];
  const deadline = setTimeout(() => reader.cancel(), 3000);
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  }
  clearTimeout(deadline);
  await reader.cancel();
  return out;
}

test('watch streams newline-delimited ADDED / MODIFIED / DELETED events from a resourceVersion', async () => {
  await withServer(async (base) => {
    await post(base, SVC);
    const res = await fetch(`${base}/api/v1/namespaces/shop/services?watch=1&resourceVersion=1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const events = readLines(res, 3);
    await post(base, SVC.replace('web', 'api'));
    await post(base, SVC.replace('port: 80', 'port: 81'));
    await fetch(`${base}/api/v1/namespaces/shop/services/api`, { method: 'DELETE' });
    const evs = await events;
    assert.deepEqual(evs.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`), ['ADDED api 2', 'MODIFIED web 3', 'DELETED api 4']);
    const initial = await fetch(`${base}/api/v1/services?watch=true`);
    assert.deepEqual((await readLines(initial, 1)).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED web']);
  });
});

test('watch from a compacted resourceVersion is 410 Expired', async () => {
  const store = openMemoryStore({ history: 2 });
  const server = await startApiServer({ store, port: 0, address: '127.0.0.1' });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    for (const p of [80, 81, 82, 83]) await post(base, SVC.replace('port: 80', `port: ${p}`));
    const res = await fetch(`${base}/api/v1/services?watch=1&resourceVersion=1`);
    assert.equal(res.status, 410);
    const status = await res.json() as { reason: string; message: string };
    assert.equal(status.reason, 'Expired');
    assert.match(status.message, /list again/);
  } finally {
    await server.close();
    await store.close();
  }
});

test('labelSelector filters lists and watches; an object leaving the selection is DELETED', async () => {
  await withServer(async (base) => {
    const wl = (name: string, version: string) => `apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: ${name}, namespace: shop, labels: {app: web, version: ${version}}}\nspec: {address: 10.0.0.1}\n`;
    await post(base, `${wl('a', 'v1')}---\n${wl('b', 'v2')}`);
    const path = `${base}/apis/weft.dev/v1alpha1/namespaces/shop/workloads`;
    const list = await (await fetch(`${path}?labelSelector=${encodeURIComponent('app=web,version in (v2)')}`)).json() as { items: { metadata: { name: string } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['b']);
    const watch = await fetch(`${path}?watch=1&labelSelector=version%3Dv1`);
    const events = readLines(watch, 3);
    await post(base, wl('b', 'v1')); // b starts matching
    await post(base, wl('a', 'v3')); // a stops matching
    assert.deepEqual((await events).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'ADDED b', 'DELETED a']);
    const bad = await fetch(`${path}?labelSelector=${encodeURIComponent('bad key=1')}`);
    assert.equal(bad.status, 400);
    assert.match((await bad.json() as { message: string }).message, /labelSelector: cannot parse "bad key=1"/);
  });
});

test('apply answers warnings for what a valid resource still lacks (dry run included)', async () => {
  await withServer(async (base) => {
    const orphan = ROUTE.replace('name: web, port: 80}]}]', 'name: web-v9, port: 80}]}]');
    const dry = await (await post(base, orphan, '?dryRun=1')).json() as { items: { warnings?: string[] }[] };
    assert.deepEqual(dry.items[0].warnings, [
      'spec.parentRefs[0]: Service shop/web does not exist: the route takes effect once it does',
      'spec.rules[0].backendRefs[0]: BackendNotFound: Service shop/web-v9 does not exist; requests routed to it get 500',
    ]);
    const together = await (await post(base, `${SVC}---\n${ROUTE}`, '?dryRun=1')).json() as { items: { warnings?: string[] }[] };
    assert.deepEqual(together.items.map((i) => i.warnings), [undefined, undefined], 'resources applied together see each other');
  });
});

test('RegularExpression values are checked as RE2, the proxy\'s dialect', async () => {
  await withServer(async (base) => {
    const withRegex = (re: string) => ROUTE.replace('rules: [{backendRefs: [{name: web, port: 80}]}]', `rules: [{matches: [{path: {type: RegularExpression, value: "${re}"}}], backendRefs: [{name: web, port: 80}]}]`);
    const ok = await post(base, `${SVC}---\n${withRegex('(?i)/api/[[:alpha:]]+')}`, '?dryRun=1');
    assert.equal(ok.status, 200, 'inline flags and POSIX classes are RE2 (V8 alone would refuse them)');
    const bad = await post(base, withRegex('/(a)\\\\1'), '?dryRun=1');
    assert.equal(bad.status, 422);
    const status = await bad.json() as { details: { causes: { field: string; message: string }[] } };
    assert.equal(status.details.causes[0].field, 'spec.rules[0].matches[0].path.value');
    assert.match(status.details.causes[0].message, /not a valid RE2 pattern: backreference/);
  });
});

test('GET /weft/v1/identity: the view the control plane hands over, 404 Status while the identity service is off, GET only; GET /version', async () => {
  const store = openMemoryStore();
  let view: unknown;
  const server = await startApiServer({ store, port: 0, address: '127.0.0.1', identity: () => view });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const off = await fetch(`${base}/weft/v1/identity`);
    assert.equal(off.status, 404);
    assert.match((await off.json() as { message: string }).message, /identity service is off.*--data-dir/);
    view = { kind: 'IdentityStatus', trustDomain: 'cluster.local' };
    const on = await fetch(`${base}/weft/v1/identity`);
    assert.equal(on.status, 200);
    assert.deepEqual(await on.json(), view);
    assert.equal((await fetch(`${base}/weft/v1/identity`, { method: 'DELETE' })).status, 405);
    const version = await (await fetch(`${base}/version`)).json() as { kind: string; weft: string; node: string };
    assert.equal(version.kind, 'Version');
    assert.match(version.weft, /^\d+\.\d+\.\d+/);
    assert.equal(version.node, process.version);
  } finally {
    await server.close();
    await store.close();
  }
});

test('writes a web page could send (CSRF) are refused: a foreign Origin, or a form / text body; the CLI\'s own writes pass', async () => {
  await withServer(async (base) => {
    const foreign = await fetch(`${base}/apply`, { method: 'POST', body: SVC, headers: { 'content-type': 'application/yaml', origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.match(((await foreign.json()) as { message: string }).message, /a write from the web origin http:\/\/evil\.example is refused/);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await fetch(`${base}/apply`, { method: 'POST', body: SVC, headers: { 'content-type': type } });
      assert.equal(r.status, 415, type);
    }
    const del = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { method: 'DELETE', headers: { origin: 'http://evil.example' } });
    assert.equal(del.status, 403);
    assert.equal((await post(base, SVC)).status, 200, 'the CLI shape (application/yaml, no Origin) applies');
    const reads = await fetch(`${base}/api/v1/namespaces/shop/services/web`, { headers: { origin: 'http://evil.example' } });
    assert.equal(reads.status, 200, 'reads are not writes');
  });
});
