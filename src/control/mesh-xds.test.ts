// The xDS wiring's Workload lifecycle against a real (in-memory) store: a Workload registered
// by a sidecar that does not reconnect after a control-plane start is deleted once the startup
// grace has passed; a Workload applied by hand is never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryStore } from './sources/store/index.ts';
import { resources } from './model/testkit.ts';
import { meshXdsStarter, REGISTERED_BY } from './mesh-xds.ts';

test('stale registered Workloads are deleted after the startup grace; hand-applied ones stay', async () => {
  const store = openMemoryStore();
  const [ghost, manual] = resources(`
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: ghost, namespace: shop, annotations: {${REGISTERED_BY}: ghost.shop}}
spec: {address: 127.0.0.1}
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: manual, namespace: shop}
spec: {address: 127.0.0.1}
`);
  await store.apply([ghost, manual]);
  const lines: string[] = [];
  const xds = await meshXdsStarter({ startupGraceMs: 100 })({ store, address: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
  try {
    assert.ok(xds.port > 0);
    assert.deepEqual(xds.status?.(), { proxies: [], nacks: [] });
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (await store.get({ kind: 'Workload', namespace: 'shop', name: 'ghost' }))) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await store.get({ kind: 'Workload', namespace: 'shop', name: 'ghost' }), undefined, lines.join('\n'));
    assert.ok(await store.get({ kind: 'Workload', namespace: 'shop', name: 'manual' }));
    assert.ok(lines.some((l) => l.includes("deleted Workload shop/ghost: its sidecar 'ghost.shop' is gone")), lines.join('\n'));
  } finally {
    await xds.close();
    await store.close();
  }
});
