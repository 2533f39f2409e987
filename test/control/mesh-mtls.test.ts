// Issue 5's "Done when", end to end in universal mode: a real `weft control-plane`, three real
// apps, each behind a `weft proxy --workload FILE --token-file FILE` sidecar. With no mTLS
// configuration by the user the sidecars get certificates and talk mTLS (HTTP/2 between them);
// the certificate b's sidecar serves carries b's SPIFFE ID; under STRICT, plaintext and
// `openssl s_client` without a certificate are refused and the app sees nothing; an ALLOW policy
// by identity lets a in and keeps c out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { startControlPlane, tempDir, weft } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/proxy.ts';
import { startMeshSidecar, type MeshSidecar } from '../helpers/mesh-sidecar.ts';
import { rawExchange, startEchoServer } from '../helpers/upstream.ts';
import { request } from '../helpers/client.ts';
import { freePorts } from '../helpers/ports.ts';
import { closeAfterAll } from '../helpers/cleanup.ts';

const closers = closeAfterAll();

const SERVICE_B = `
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {selector: {app: b}, ports: [{name: http, port: 80, targetPort: http}]}
`;

const STRICT = `
apiVersion: weft.dev/v1alpha1
kind: MeshConfig
metadata: {name: default}
spec: {mtls: {mode: STRICT}}
`;

const ONLY_A = `
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: only-a}
spec:
  targetRefs: [{group: "", kind: Service, name: b}]
  action: ALLOW
  rules:
    - from: [{source: {principals: [spiffe://example.org/ns/default/sa/a]}}]
`;

test('universal mode: sidecars talk mTLS with no configuration; STRICT refuses plaintext and certificate-less TLS; an ALLOW policy by identity', { timeout: 120_000 }, async () => {
  const dir = tempDir('weft-mesh-mtls-');
  const data = join(dir, 'data');
  const apps = { a: await startEchoServer('a'), b: await startEchoServer('b'), c: await startEchoServer('c') };
  for (const s of Object.values(apps)) closers.push(() => s.close());
  const ports = await freePorts(10); // after the apps have theirs
  // A trust domain of the operator's own: every identity the mesh checks must be in it.
  const cp = await startControlPlane(data, ['--xds-port', String(ports[9]), '--trust-domain', 'example.org']);
  closers.push(() => cp.stop());
  await eventually(async () => cp.identityTlsPort() > 0, 5000, 'the identity service logs its TLS port');
  const file = join(dir, 'services.yaml');
  writeFileSync(file, SERVICE_B);
  assert.equal((await weft(cp.url, ['apply', '-f', file])).code, 0);

  const sidecar = async (name: 'a' | 'b' | 'c', ports: number[]): Promise<MeshSidecar> => {
    // What an operator does once per workload: mint its token. Nothing about mTLS.
    const minted = await weft(cp.url, ['token', 'create', '--namespace', 'default', '--service-account', name, '--trust-domain', 'example.org', '--data-dir', data]);
    assert.equal(minted.code, 0, minted.stderr);
    return startMeshSidecar({ dir, cp, name, appPort: apps[name].port, ports, token: minted.stdout, closers });
  };
  const a = await sidecar('a', ports.slice(0, 3));
  const b = await sidecar('b', ports.slice(3, 6));
  const c = await sidecar('c', ports.slice(6, 9));
  const call = async (from: MeshSidecar): Promise<string> => {
    const r = await request(from.outbound, '/hello', { headers: { host: 'b' } });
    return `${r.status} ${r.status === 200 ? String(r.json().server) : (r.headers['x-weft-error'] ?? '')}`;
  };
  const logs = () => `\n--- a\n${a.proxy.stderr().slice(-1500)}\n--- b\n${b.proxy.stderr().slice(-1500)}\n--- cp\n${cp.output().slice(-2000)}`;
  await eventually(async () => (await call(a).catch(() => '')) === '200 b', 15_000, 'a reaches b').catch((err) => {
    throw new Error(`${err.message}${logs()}`);
  });

  // PERMISSIVE (the default): the call went over mTLS; b's inbound counted it as tls="true".
  const inboundStats = async () => (await (await b.proxy.admin('/stats/prometheus')).text()).split('\n').filter((l) => l.startsWith('weft_requests_total{') && l.includes('direction="inbound"'));
  assert.ok((await inboundStats()).some((l) => l.includes('tls="true"') && !l.endsWith(' 0')), (await (await b.proxy.admin('/stats/prometheus')).text()).split('\n').filter((l) => l.includes('requests_total')).join('\n') + logs());
  assert.ok(!(await inboundStats()).some((l) => l.includes('tls="false"')), 'no plaintext inbound request yet');
  // The certificate b's sidecar serves names b's SPIFFE ID (seen by a client that checks nothing).
  const served = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: b.inbound, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      resolve(s.getPeerCertificate().subjectaltname ?? '');
      s.destroy();
    });
    s.on('error', reject);
  });
  assert.equal(served, 'URI:spiffe://example.org/ns/default/sa/b');
  // PERMISSIVE still takes plaintext on the inbound port, counted as tls="false".
  const plain = await rawExchange(b.inbound, 'GET /p HTTP/1.1\r\nHost: b\r\n\r\n');
  assert.match(plain.data, /^HTTP\/1\.1 200/);
  assert.ok((await inboundStats()).some((l) => l.includes('tls="false"')));

  // STRICT: plaintext and TLS without a client certificate are closed before the app sees a byte.
  writeFileSync(file, STRICT);
  assert.equal((await weft(cp.url, ['apply', '-f', file])).code, 0);
  await eventually(async () => !/^HTTP/.test((await rawExchange(b.inbound, 'GET /p HTTP/1.1\r\nHost: b\r\n\r\n')).data), 10_000, 'STRICT reaches b\'s sidecar');
  const seen = apps.b.requests.length;
  // -ign_eof: stay until the server closes, so the alert it sends is read even on a slow machine.
  const s = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${b.inbound}`, '-alpn', 'http/1.1', '-ign_eof'], { input: 'GET / HTTP/1.1\r\nHost: b\r\n\r\n', encoding: 'utf8', timeout: 10_000 });
  const transcript = `${s.stdout}\n${s.stderr}`;
  assert.match(transcript, /Server certificate\n-----BEGIN CERTIFICATE-----/, 'openssl saw the server certificate');
  assert.match(transcript, /tlsv13 alert certificate required/, transcript);
  assert.doesNotMatch(transcript, /HTTP\/1\.1 200/);
  assert.equal(apps.b.requests.length, seen, 'the app saw nothing of the refused connections');
  assert.equal(await call(a), '200 b', 'mesh traffic is mTLS, so STRICT lets it through');

  // ALLOW by identity: a in, c (a valid mesh certificate, another service account) out.
  writeFileSync(file, ONLY_A);
  assert.equal((await weft(cp.url, ['apply', '-f', file])).code, 0);
  await eventually(async () => (await call(c)) === '403 rbac-denied', 10_000, 'the ALLOW policy reaches b\'s sidecar');
  assert.equal(await call(a), '200 b');
  const status = await (await fetch(`${cp.url}/weft/v1/proxies`)).json() as { nacks: unknown[] };
  assert.deepEqual(status.nacks, []);
  const aStats = await (await a.proxy.admin('/stats/prometheus')).text();
  assert.match(aStats, /weft_proxy_identity_cert_ready\{identity="spiffe:\/\/example\.org\/ns\/default\/sa\/a"\} 1/);
  assert.match(aStats, /weft_proxy_identity_request_failures_total\{identity="spiffe:\/\/example\.org\/ns\/default\/sa\/a"\} 0/);
});
