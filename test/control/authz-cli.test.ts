// AuthorizationPolicy through the real control plane and CLI: apply, `weft get authz` / `ap`,
// a refused policy with its field path, delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startControlPlane, weft, tempDir } from '../helpers/control-plane.ts';

const POLICY = `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: api-readers, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: api}]
  rules:
  - from: [{source: {principals: [spiffe://cluster.local/ns/shop/sa/web]}}]
    to: [{operation: {methods: [GET], paths: [/api/*]}}]
`;

test('weft apply / get / delete an AuthorizationPolicy; an invalid one is refused with its field path', async () => {
  const cp = await startControlPlane(join(tempDir('weft-authz-'), 'data'));
  try {
    const applied = await weft(cp.url, ['apply', '-f', '-'], POLICY);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'authorizationpolicy/api-readers created\n');
    const table = await weft(cp.url, ['get', 'authz', '-n', 'shop']);
    assert.match(table.stdout, /^NAME\s+ACTION\s+TARGETS\s+RULES\s+AGE\napi-readers\s+ALLOW\s+service\/api\s+1\s+\d+s\n$/);
    const json = JSON.parse((await weft(cp.url, ['get', 'ap', 'api-readers', '-n', 'shop', '-o', 'json'])).stdout) as { spec: { action: string } };
    assert.equal(json.spec.action, 'ALLOW', 'the default is filled in');
    const refused = await weft(cp.url, ['apply', '-f', '-'], POLICY.replace('/api/*', '/a*b'));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /spec\.rules\[0\]\.to\[0\]\.operation\.paths\[0\]: "\/a\*b": a \* may only/);
    const del = await weft(cp.url, ['delete', 'authz', 'api-readers', '-n', 'shop']);
    assert.equal(del.stdout, 'authorizationpolicy "api-readers" deleted\n');
  } finally {
    await cp.stop();
  }
});
