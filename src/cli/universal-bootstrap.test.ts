// The universal-mode bootstrap is a valid Envoy bootstrap for Weft's own loader, carries the
// Workload in node metadata, and bad --workload input is refused with what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBootstrap } from '../proxy/bootstrap/index.ts';
import { loadWorkload, universalBootstrap } from './universal-bootstrap.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-ub-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('a Workload file becomes a bootstrap the proxy loads: node metadata, admin, ADS over xds_cluster', () => {
  const w = loadWorkload(file('w.yaml', 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec: {address: 127.0.0.1, ports: [{name: http, port: 8080}]}\n'));
  const b = universalBootstrap(w, { workloadFile: 'w.yaml', controlPlane: '127.0.0.1:16010', adminPort: 16000, inboundPort: 16006, outboundPort: 16001 });
  const loaded = loadBootstrap(JSON.stringify(b), 'generated');
  assert.equal(loaded.node?.id, 'web-1.shop');
  const meta = loaded.node?.metadata as Record<string, unknown>;
  assert.equal(meta['weft.dev/inbound-port'], '16006');
  assert.deepEqual((meta['weft.dev/workload'] as { spec: unknown }).spec, { address: '127.0.0.1', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], serviceAccount: 'default' });
  assert.equal(loaded.admin?.address?.socket_address?.port_value, 16000);
  assert.ok(loaded.dynamic_resources?.ads_config);
  assert.equal(JSON.stringify(loaded.static_resources).includes('"port_value":16010'), true);
});

test('bad --workload input says what is wrong', () => {
  assert.throws(() => loadWorkload(join(dir, 'missing.yaml')), /cannot read --workload/);
  assert.throws(() => loadWorkload(file('svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n')), /must hold exactly one Workload .* found Service/);
  assert.throws(() => loadWorkload(file('bad.yaml', 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: a}\nspec: {}\n')), /address/);
  const w = loadWorkload(file('ok.yaml', 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: a}\nspec: {address: 10.0.0.1}\n'));
  assert.throws(() => universalBootstrap(w, { workloadFile: 'ok.yaml', controlPlane: 'localhost', adminPort: 1, inboundPort: 2, outboundPort: 3 }), /--control-plane takes HOST:PORT/);
});
