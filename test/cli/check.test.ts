// `weft check` and `weft identity --server` against a real `weft control-plane` process: PERMISSIVE warns and exits 0, a real
// sidecar ACKs, a sidecar's certificate shows up, STRICT passes, a policy on a missing Service warns, an
// unreachable control plane fails with exit 1; with --in-memory the identity service is off and STRICT fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, tempDir, weft } from '../helpers/control-plane.ts';
import { startProxy, eventually } from '../helpers/proxy.ts';
import { freePorts } from '../helpers/ports.ts';
import { openTokens } from '../../src/control/identity/index.ts';
import { parseTrustDomain, workloadId } from '../../src/pki/index.ts';
import { STRICT_MESH_CONFIG } from '../../src/cli/check/mesh-checks.ts';

interface CheckJson {
  readonly success: boolean;
  readonly warnings: number;
  readonly failures: number;
  readonly sections: readonly { readonly name: string; readonly checks: readonly { readonly id: string; readonly status: string; readonly message: string; readonly hint?: string }[] }[];
}

const TD = parseTrustDomain('cluster.local');

async function check(url: string): Promise<{ code: number | null; json: CheckJson; byId: Map<string, { status: string; message: string; hint?: string }> }> {
  const r = await weft(url, ['check', '-o', 'json']);
  const json = JSON.parse(r.stdout) as CheckJson;
  return { code: r.code, json, byId: new Map(json.sections.flatMap((s) => s.checks.map((c) => [c.id, c]))) };
}

test('weft check against a real control plane: PERMISSIVE warns (exit 0), a sidecar ACKs, an issued certificate counts, STRICT passes, a dangling policy warns, unreachable fails', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('weft-check-');
  const dataDir = join(dir, 'data');
  const cp = await startControlPlane(dataDir);
  t.after(() => cp.stop());

  const text = await weft(cp.url, ['check']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^control plane\n-------------\n✔ the control plane's REST API answers: at http:\/\/127\.0\.0\.1:\d+\n/);
  assert.match(text.stdout, /\nmTLS\n----\n‼ mTLS is STRICT: mtls\.mode is PERMISSIVE \(the default: no MeshConfig is applied\), so inbound plaintext is still accepted.*\n    hint: .*weft apply -f -\n/);
  assert.match(text.stdout, /\nStatus check results are ‼ \(1 warning\)\n$/);
  let r = await check(cp.url);
  assert.equal(r.code, 0);
  assert.deepEqual([r.json.success, r.json.warnings, r.json.failures], [true, 1, 0]);
  assert.deepEqual(r.json.sections.map((s) => s.name), ['control plane', 'identity', 'mTLS', 'proxies', 'policy']);
  assert.equal(r.byId.get('mtls.mode')?.status, 'warning');
  assert.equal(r.byId.get('identity.trust-anchors')?.status, 'ok');
  assert.equal(r.byId.get('identity.issuer-chain')?.status, 'ok');
  assert.equal(r.byId.get('identity.workload-certificates')?.message, 'no workload certificate issued yet');

  // A sidecar for Workload default/a-1 with a token: it gets its certificate, connects and ACKs.
  const [admin, inbound, outbound] = await freePorts(3);
  const workload = join(dir, 'a-1.yaml');
  writeFileSync(workload, 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: a-1, labels: {app: a}}\nspec: {address: 127.0.0.1, ports: [{name: http, port: 8080}]}\n');
  const tokens = await openTokens(dataDir, TD);
  const tokenFile = join(dir, 'a-1.token');
  writeFileSync(tokenFile, tokens.mint({ namespace: 'default', serviceAccount: 'default' }).token);
  const proxy = await startProxy({}, {
    workload,
    args: ['--control-plane', `127.0.0.1:${cp.xdsPort}`, '--token-file', tokenFile, '--identity-tls-address', `127.0.0.1:${cp.identityTlsPort()}`,
      '--admin-port', String(admin), '--inbound-port', String(inbound), '--outbound-port', String(outbound)],
  });
  t.after(() => proxy.stop());
  const issued = { spiffe_id: workloadId(TD, 'default', 'default').id };
  await eventually(async () => (await check(cp.url)).byId.get('proxies.acked')?.message === '1 proxy connected, each ACKed its latest config', 10_000, 'the sidecar ACKed');
  assert.equal((await check(cp.url)).byId.get('proxies.mtls')?.status, 'ok', 'the sidecar holds an identity');
  r = await check(cp.url);
  assert.equal(r.byId.get('identity.workload-certificates')?.status, 'ok');
  assert.match(r.byId.get('identity.workload-certificates')?.message ?? '', /^1 valid for 1 identity, the next renewal due before \S+Z$/);

  // weft identity --server: the same anchors, issuer and certificates as the files say, plus the trust domain and lifetime.
  const served = await weft(cp.url, ['identity', '--server', cp.url, '-o', 'json']);
  assert.equal(served.code, 0, served.stderr);
  const fromServer = JSON.parse(served.stdout) as Record<string, unknown> & { workloadCertificates: { spiffeId: string; serial: string }[] };
  const fromFiles = JSON.parse((await weft(cp.url, ['identity', '--data-dir', dataDir, '-o', 'json'])).stdout) as Record<string, unknown>;
  assert.equal(fromServer.trustDomain, 'cluster.local');
  assert.equal(fromServer.workloadTtlMs, 24 * 3600_000);
  assert.deepEqual(fromServer.workloadCertificates.map((c) => c.spiffeId), [issued.spiffe_id]);
  for (const key of ['trustAnchors', 'issuer', 'intermediates', 'workloadCertificates']) assert.deepEqual(fromServer[key], fromFiles[key], key);
  const shown = await weft(cp.url, ['identity']);
  assert.match(shown.stdout, /^Trust domain: cluster\.local\nWorkload certificate lifetime: 24h\n\nTrust anchors \(1\):\n/, 'WEFT_SERVER alone selects the control plane');
  assert.match(shown.stdout, /  chains to a trust anchor\n/);
  assert.ok(!served.stdout.includes('PRIVATE KEY') && !shown.stdout.includes('PRIVATE KEY'));
  assert.equal((await weft(cp.url, ['identity', '--server', cp.url, '--data-dir', dataDir])).code, 2);

  // The hint's MeshConfig, applied as it says: mTLS passes, nothing left to warn about.
  const applied = await weft(cp.url, ['apply', '-f', '-'], STRICT_MESH_CONFIG);
  assert.equal(applied.code, 0, applied.stderr);
  const strict = await weft(cp.url, ['check']);
  assert.equal(strict.code, 0, strict.stdout);
  assert.match(strict.stdout, /\n✔ mTLS is STRICT: MeshConfig mtls\.mode is STRICT/);
  assert.match(strict.stdout, /\nStatus check results are ✔\n$/);

  // An AuthorizationPolicy naming a Service that does not exist: a warning, still exit 0.
  await weft(cp.url, ['apply', '-f', '-'], 'apiVersion: weft.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: readers, namespace: shop}\nspec: {targetRefs: [{group: "", kind: Service, name: api}], rules: [{}]}\n');
  r = await check(cp.url);
  assert.equal(r.code, 0);
  assert.equal(r.byId.get('policy.authorization-targets')?.status, 'warning');

  await proxy.stop();
  assert.equal(await cp.stop(), 0);
  const down = await weft(cp.url, ['check']);
  assert.equal(down.code, 1);
  assert.match(down.stdout, /^control plane\n-------------\n× the control plane's REST API answers: cannot reach the control plane at /);
  assert.match(down.stdout, /Status check results are × \(1 failure, 0 warnings\)\n$/);
});

test('weft check with --in-memory: the identity service is off (a warning), and STRICT without it fails with exit 1', { timeout: 30_000 }, async (t) => {
  const cp = await startControlPlane('', ['--in-memory']);
  t.after(() => cp.stop());
  let r = await check(cp.url);
  assert.equal(r.code, 0);
  assert.equal(r.byId.get('identity.service')?.status, 'warning');
  assert.match(r.byId.get('identity.service')?.message ?? '', /identity service is off/);
  assert.equal((await weft(cp.url, ['identity', '--server', cp.url])).code, 1, 'weft identity says the service is off');
  const usage = await weft(cp.url, ['check', '-o', 'yaml']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /-o takes "json", got "yaml"/);
  assert.equal((await weft(cp.url, ['check', 'extra'])).code, 2);
  await weft(cp.url, ['apply', '-f', '-'], STRICT_MESH_CONFIG);
  r = await check(cp.url);
  assert.equal(r.code, 1);
  assert.equal(r.byId.get('mtls.mode')?.status, 'failure');
});
