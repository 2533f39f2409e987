// The shared test suite every Store implementation must pass (STYLE.md: one suite for things
// that must behave alike). memory.test.ts and sqlite.test.ts run it; a Kubernetes-backed store
// will too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../../api/index.ts';
import type { Store, WatchEvent } from './store.ts';

export interface OpenOptions {
  readonly history?: number;
  readonly now?: () => Date;
}

const NOW = new Date('2026-12-01T08:00:00.123Z');

export function svc(name: string, port = 80, extra: { namespace?: string; labels?: Record<string, string>; resourceVersion?: string } = {}): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: extra.namespace ?? 'default', ...(extra.labels ? { labels: extra.labels } : {}), ...(extra.resourceVersion ? { resourceVersion: extra.resourceVersion } : {}) },
    spec: { ports: [{ port, protocol: 'TCP' }] },
  };
}

const mesh: Resource = { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshConfig', metadata: { name: 'default' }, spec: { trustDomain: 'cluster.local' } };
const key = (name: string, namespace = 'default') => ({ kind: 'Service', namespace, name });

/** Collects watch events; `next(n)` waits until n have arrived. */
function collector() {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    events,
    onEvent: (e: WatchEvent) => { events.push(e); wake?.(); },
    async next(n: number): Promise<WatchEvent[]> {
      const deadline = Date.now() + 2000;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${events.length}`);
        await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
      }
      return events.slice(0, n);
    },
  };
}

const summary = (e: WatchEvent) => `${e.type} ${e.object.kind}/${e.object.metadata.name}@${e.revision}`;

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & { code?: string }) => {
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export function storeConformance(name: string, open: (options?: OpenOptions) => Promise<Store>): void {
  const opened = (options: OpenOptions = {}) => open({ now: () => NOW, ...options });

  test(`${name}: apply creates, then reports unchanged, then configured`, async () => {
    const store = await opened();
    const [created] = await store.apply([svc('web')]);
    assert.equal(created.outcome, 'created');
    const m = created.resource.metadata;
    assert.equal(m.resourceVersion, '1');
    assert.equal(m.generation, 1);
    assert.equal(m.creationTimestamp, '2026-12-01T08:00:00Z');
    assert.match(m.uid, /^[0-9a-f-]{36}$/);
    const [same] = await store.apply([svc('web')]);
    assert.equal(same.outcome, 'unchanged');
    assert.equal(same.resource.metadata.resourceVersion, '1');
    const [changed] = await store.apply([svc('web', 81)]);
    assert.equal(changed.outcome, 'configured');
    assert.equal(changed.resource.metadata.resourceVersion, '2');
    assert.equal(changed.resource.metadata.generation, 2);
    assert.equal(changed.resource.metadata.uid, m.uid);
    const [labelled] = await store.apply([svc('web', 81, { labels: { tier: 'front' } })]);
    assert.equal(labelled.outcome, 'configured');
    assert.equal(labelled.resource.metadata.generation, 2, 'a label edit does not bump generation');
    assert.equal(await store.revision(), 3);
    await store.close();
  });

  test(`${name}: what a caller passes in or gets back cannot change what is stored`, async () => {
    const store = await opened();
    const input = svc('web');
    await store.apply([input]);
    (input.spec as { ports: { port: number }[] }).ports[0].port = 1;
    const got = await store.get(key('web'));
    assert.equal((got!.spec as { ports: { port: number }[] }).ports[0].port, 80);
    try {
      (got!.spec as { ports: { port: number }[] }).ports[0].port = 2; // frozen (memory) or a copy (sqlite)
    } catch (err) {
      assert.ok(err instanceof TypeError);
    }
    const again = await store.get(key('web'));
    assert.equal((again!.spec as { ports: { port: number }[] }).ports[0].port, 80);
    await store.close();
  });

  test(`${name}: get and list, sorted and filtered`, async () => {
    const store = await opened();
    await store.apply([svc('b'), svc('a'), svc('c', 80, { namespace: 'other' }), mesh]);
    assert.equal((await store.get(key('a')))?.metadata.name, 'a');
    assert.equal(await store.get(key('zz')), undefined);
    assert.equal((await store.get({ kind: 'MeshConfig', namespace: '', name: 'default' }))?.kind, 'MeshConfig');
    const all = await store.list();
    assert.deepEqual(all.items.map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`), ['MeshConfig//default', 'Service/default/a', 'Service/default/b', 'Service/other/c']);
    assert.equal(all.revision, 4);
    assert.deepEqual((await store.list({ kind: 'Service', namespace: 'default' })).items.map((r) => r.metadata.name), ['a', 'b']);
    assert.deepEqual((await store.list({ namespace: 'other' })).items.map((r) => r.metadata.name), ['c']);
    await store.close();
  });

  test(`${name}: a stale resourceVersion is a conflict and writes nothing`, async () => {
    const store = await opened();
    await store.apply([svc('web')]);
    await store.apply([svc('web', 81)]);
    await rejectsWith(store.apply([svc('web', 82, { resourceVersion: '1' })]), 'WEFT_CONFLICT', /modified \(resourceVersion 2, the change was made against 1\)/);
    await rejectsWith(store.apply([svc('new', 80, { resourceVersion: '5' })]), 'WEFT_CONFLICT', /does not exist/);
    const kept = await store.get(key('web'));
    assert.equal((kept?.spec as { ports: { port: number }[] }).ports[0].port, 81, 'the refused write left the stored version alone');
    const [ok] = await store.apply([svc('web', 83, { resourceVersion: '2' })]);
    assert.equal(ok.outcome, 'configured');
    await store.close();
  });

  test(`${name}: a batch is all or nothing`, async () => {
    const store = await opened();
    await store.apply([svc('web')]);
    await rejectsWith(store.apply([svc('first'), svc('web', 81, { resourceVersion: '99' })]), 'WEFT_CONFLICT');
    assert.equal(await store.get(key('first')), undefined);
    assert.equal(await store.revision(), 1);
    await store.close();
  });

  test(`${name}: dry run computes the outcome and writes nothing`, async () => {
    const store = await opened();
    const c = collector();
    await store.watch({}, 0, c.onEvent);
    const [r] = await store.apply([svc('web')], { dryRun: true });
    assert.equal(r.outcome, 'created');
    assert.equal(await store.get(key('web')), undefined);
    await store.apply([svc('web')]);
    await store.delete(key('web'), { dryRun: true });
    assert.ok(await store.get(key('web')));
    await c.next(1);
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(c.events.map(summary), ['ADDED Service/web@1']);
    await store.close();
  });

  test(`${name}: delete returns the last state; missing is not found; stale is a conflict`, async () => {
    const store = await opened();
    await store.apply([svc('web'), mesh]);
    await rejectsWith(store.delete(key('web'), { resourceVersion: '7' }), 'WEFT_CONFLICT');
    const last = await store.delete(key('web'));
    assert.equal(last.metadata.name, 'web');
    assert.equal(last.metadata.resourceVersion, '3');
    assert.equal(await store.get(key('web')), undefined);
    await rejectsWith(store.delete(key('web')), 'WEFT_NOT_FOUND', /Service default\/web not found/);
    await store.delete({ kind: 'MeshConfig', namespace: '', name: 'default' });
    assert.equal((await store.list()).items.length, 0);
    await store.close();
  });

  test(`${name}: watch from a revision delivers every later event in order, filtered`, async () => {
    const store = await opened();
    await store.apply([svc('a')]);
    const all = collector();
    const other = collector();
    await store.watch({}, 1, all.onEvent);
    await store.watch({ kind: 'Service', namespace: 'other' }, 0, other.onEvent);
    await store.apply([svc('b'), svc('c', 80, { namespace: 'other' })]);
    await store.apply([svc('a', 81)]);
    await store.delete(key('b'));
    await store.apply([mesh]);
    assert.deepEqual((await all.next(5)).map(summary), ['ADDED Service/b@2', 'ADDED Service/c@3', 'MODIFIED Service/a@4', 'DELETED Service/b@5', 'ADDED MeshConfig/default@6']);
    assert.deepEqual((await other.next(1)).map(summary), ['ADDED Service/c@3']);
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(other.events.length, 1);
    // A late watcher replays history from where it asks.
    const late = collector();
    await store.watch({ kind: 'Service' }, 3, late.onEvent);
    assert.deepEqual((await late.next(2)).map(summary), ['MODIFIED Service/a@4', 'DELETED Service/b@5']);
    await store.close();
  });

  test(`${name}: watch without a revision starts with the current state`, async () => {
    const store = await opened();
    await store.apply([svc('a'), svc('b')]);
    const c = collector();
    await store.watch({ kind: 'Service' }, undefined, c.onEvent);
    await store.apply([svc('c')]);
    assert.deepEqual((await c.next(3)).map(summary), ['ADDED Service/a@2', 'ADDED Service/b@2', 'ADDED Service/c@3']);
    await store.close();
  });

  test(`${name}: history older than the retained window is gone`, async () => {
    const store = await opened({ history: 3 });
    for (let i = 1; i <= 6; i++) await store.apply([svc('web', 80 + i)]);
    await rejectsWith(store.watch({}, 1, () => {}), 'WEFT_GONE', /resourceVersion 1 is too old.*list again/);
    await rejectsWith(store.watch({}, 7, () => {}), 'WEFT_GONE', /resourceVersion 7 is newer than the store's \(6\): the store was reset/);
    const c = collector();
    await store.watch({}, 3, c.onEvent);
    assert.deepEqual((await c.next(3)).map((e) => e.revision), [4, 5, 6]);
    await store.close();
  });

  test(`${name}: a closed watch receives nothing more; a throwing watcher does not stop others`, async () => {
    const store = await opened();
    const closed = collector();
    const w = await store.watch({}, 0, closed.onEvent);
    const good = collector();
    await store.watch({}, 0, good.onEvent);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => { errors.push(args); };
    try {
      await store.watch({}, 0, () => { throw new Error('watcher bug'); });
      w.close();
      await store.apply([svc('a')]);
      await store.apply([svc('b')]);
      await good.next(2);
    } finally {
      console.error = original;
    }
    assert.equal(closed.events.length, 0);
    assert.equal(errors.length, 2);
    await store.close();
  });
}
