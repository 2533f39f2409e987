import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPE_URLS } from '../../xds/envoy/index.ts';
import { decodeResponse, unpackResource } from '../../xds/proto/index.ts';
import { ANY_NODE, SnapshotCache } from './cache.ts';
import { ResponseEncoder } from './encoder.ts';

test('a shared body plus a per-proxy nonce decodes as the complete response; equal selections share one encoding', () => {
  const cache = new SnapshotCache();
  cache.setResources(ANY_NODE, TYPE_URLS.cluster, [{ name: 'a', connect_timeout: '2s' }, { name: 'b' }]);
  const view = cache.view('any', TYPE_URLS.cluster);
  const resources = [...view.resources.values()];
  const encoder = new ResponseEncoder();
  const one = decodeResponse(encoder.encode(TYPE_URLS.cluster, view, '*', resources, '17'));
  assert.equal(one.nonce, '17');
  assert.equal(one.version_info, view.version);
  assert.equal(one.type_url, TYPE_URLS.cluster);
  assert.equal(one.control_plane?.identifier, 'weft');
  assert.deepEqual(one.resources.map((r) => unpackResource(r).name), ['a', 'b']);
  assert.equal(decodeResponse(encoder.encode(TYPE_URLS.cluster, view, '*', resources, '18')).nonce, '18');
  // The cache keeps unchanged resources as the same objects, so streams can compare by identity.
  cache.setResources(ANY_NODE, TYPE_URLS.cluster, [{ name: 'a', connect_timeout: '2s' }, { name: 'b', connect_timeout: '3s' }]);
  const next = cache.view('any', TYPE_URLS.cluster);
  assert.notEqual(next, view);
  assert.equal(next.resources.get('a'), view.resources.get('a'));
  assert.notEqual(next.resources.get('b'), view.resources.get('b'));
  const subset = decodeResponse(encoder.encode(TYPE_URLS.cluster, next, 'b-only', [next.resources.get('b')!], '19'));
  assert.deepEqual(subset.resources.map((r) => unpackResource(r).connect_timeout), ['3s']);
});
