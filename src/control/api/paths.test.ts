import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../api/index.ts';
import { parsePath, pathOf } from './paths.ts';

test('every kind round-trips through pathOf and parsePath', () => {
  for (const info of KINDS) {
    const ns = info.namespaced ? 'shop' : undefined;
    const obj = parsePath(pathOf(info, ns, 'web'));
    assert.deepEqual(obj, { type: 'object', info, namespace: ns ?? '', name: 'web' });
    assert.deepEqual(parsePath(pathOf(info, ns)), { type: 'collection', info, namespace: ns });
  }
  assert.equal(pathOf(KINDS[0], 'shop', 'web'), '/api/v1/namespaces/shop/services/web');
  assert.equal(pathOf(KINDS[2], 'shop'), '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes');
  assert.equal(pathOf(KINDS[5], undefined, 'default'), '/apis/weft.dev/v1alpha1/meshconfigs/default');
});

test('paths that address nothing say why', () => {
  const reason = (p: string) => { const t = parsePath(p); return t.type === 'unknown' ? t.reason : t.type; };
  assert.match(reason('/apis/weft.dev/v1alpha1/namespaces/x/meshconfigs/default'), /cluster-scoped/);
  assert.match(reason('/apis/weft.dev/v1/workloads'), /could not find the requested resource/);
  assert.match(reason('/api/v1/namespaces/x/services/a/status'), /could not find/);
  assert.match(reason('/nope'), /resources live under/);
  assert.equal(reason('/apply'), 'apply');
});
