import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryStore } from './store/index.ts';
import { svc } from './store/conformance.ts';
import { followStore, type FeedUpdate } from './resource-feed.ts';

test('followStore: the initial state, then one update per write batch, deletions included', async () => {
  const store = openMemoryStore();
  await store.apply([svc('a')]);
  const updates: FeedUpdate[] = [];
  const feed = await followStore(store, (u) => updates.push(u));
  assert.deepEqual(updates.map((u) => [u.revision, u.resources.map((r) => r.metadata.name)]), [[1, ['a']]]);
  await store.apply([svc('b'), svc('c')]);
  await new Promise((r) => setImmediate(r));
  await store.delete({ kind: 'Service', namespace: 'default', name: 'a' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(updates.map((u) => [u.revision, u.resources.map((r) => r.metadata.name)]), [[1, ['a']], [3, ['a', 'b', 'c']], [4, ['b', 'c']]]);
  assert.equal(feed.current().revision, 4);
  feed.close();
  await store.apply([svc('d')]);
  await new Promise((r) => setImmediate(r));
  assert.equal(updates.length, 3, 'nothing after close');
  await store.close();
});
