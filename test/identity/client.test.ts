// The proxy's identity client against the real identity service over real gRPC: obtain, renew at 70 %, CA down (B7), real TLS handshakes with the SVIDs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tls from 'node:tls';
import { createIdentityServer, FileTokenStore, IssuanceLog, WorkloadTokens, type RunningIdentityServer } from '../../src/control/identity/index.ts';
import { generateCa, parseTrustDomain, PrivateKey, spiffeServerIdentity, verifySocketPeer, workloadId, type CertificateAuthority } from '../../src/pki/index.ts';
import { IdentityClient, type IdentityClientOptions, type IdentityUpdate, type Svid } from '../../src/proxy/identity/index.ts';
import { ProxyMetrics } from '../../src/proxy/observe/index.ts';

const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');
const web = workloadId(TD, 'shop', 'web');

interface Rig {
  readonly ca: CertificateAuthority;
  readonly tokens: WorkloadTokens;
  readonly issuanceLog: IssuanceLog;
  server: RunningIdentityServer;
  start(ports?: { plaintext: number; tls: number }): Promise<RunningIdentityServer>;
}

async function rig(t: { after: (fn: () => Promise<void>) => void }, leafTtlMs: number): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-idclient-'));
  const { ca } = await generateCa(TD);
  const tokens = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'tokens.json')));
  const issuanceLog = await IssuanceLog.open(join(dir, 'issued.jsonl'));
  const start = (ports = { plaintext: 0, tls: 0 }) =>
    createIdentityServer({ ca, tokens, issuanceLog, leafTtlMs, minLeafTtlMs: 1000, plaintextPort: ports.plaintext, tlsPort: ports.tls });
  const r: Rig = { ca, tokens, issuanceLog, server: await start(), start };
  t.after(async () => {
    await r.server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return r;
}

function client(t: { after: (fn: () => void) => void }, r: Rig, identity = cart, extra: Partial<IdentityClientOptions> = {}) {
  const lines: string[] = [];
  const updates: IdentityUpdate[] = [];
  const token = r.tokens.mint({ namespace: identity.namespace, serviceAccount: identity.serviceAccount, reusable: true }).token;
  const c = new IdentityClient({
    identity,
    token: () => token,
    plaintextAddress: `127.0.0.1:${r.server.plaintextPort}`,
    tlsAddress: `127.0.0.1:${r.server.tlsPort}`,
    backoff: { initialMs: 100, maxMs: 500 },
    log: (l) => lines.push(`${new Date().toISOString()} ${l}`),
    ...extra,
  });
  c.onUpdate((u) => updates.push(u));
  t.after(() => c.close());
  c.start();
  return { c, lines, updates, token };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - start;
}

test('obtains a certificate with its token, then renews over mTLS at 70 % of its life with a new key', async (t) => {
  // 6 s certificates: the renewal at 70 % must land well before expiry even on a loaded machine.
  const r = await rig(t, 6000);
  const { c, updates, lines } = client(t, r);
  assert.equal(c.state, 'pending');
  const first = await c.ready();
  assert.equal(c.state, 'ready');
  assert.equal(first.identity.id, cart.id);
  assert.equal(r.issuanceLog.find(first.serialNumber)?.via, 'token');
  await until('a renewal', () => updates.length >= 2, 8000);
  assert.equal(updates[1].state, 'ready', `the second update is a renewal, not ${updates[1].state}`);
  const second = updates[1].svid!;
  const elapsed = second.receivedAt.getTime() - first.receivedAt.getTime();
  const life = first.notAfter.getTime() - first.receivedAt.getTime();
  // Renewed at 70 % of the life counted from receipt (give or take the call itself).
  assert.ok(elapsed >= 0.7 * life - 50 && elapsed < 0.7 * life + 500, `renewed after ${elapsed} ms of ${life}`);
  assert.notEqual(second.serialNumber, first.serialNumber);
  assert.ok(!second.key.publicKeySpki().equals(first.key.publicKeySpki()), 'each renewal has a new key');
  assert.equal(r.issuanceLog.find(second.serialNumber)?.via, 'renewal');
  assert.equal(c.svid, second);
  // One timer: no extra requests between renewals.
  await sleep(500);
  assert.equal(updates.length, 2);
  assert.ok(!lines.join('\n').includes('PRIVATE KEY'));
  // The renewal is due exactly when 30 % of life is left: a renewal that succeeds warns about nothing.
  assert.ok(!lines.some((l) => l.includes('WARNING')), lines.join('\n'));
});

/** A TLS server that presents `svid` and requires a client certificate of the bundle. */
async function tlsServer(t: { after: (fn: () => Promise<void>) => void }, svid: Svid) {
  const seen: string[] = [];
  const server = tls.createServer({ key: svid.key.exportPkcs8Pem(), cert: svid.certChainPem, ca: svid.trustBundlePem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', ALPNProtocols: ['h2'] }, (socket) => {
    const peer = verifySocketPeer(socket, svid.bundle, 'client');
    seen.push(peer.ok ? peer.identity.id : `refused: ${peer.reason}`);
    socket.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

/** Connects with `svid` as client certificate, expecting `expected` as the server's SPIFFE ID; returns the server leaf's serial. */
async function handshake(port: number, svid: Svid, expected: string): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, key: svid.key.exportPkcs8Pem(), cert: svid.certChainPem, ca: svid.trustBundlePem, checkServerIdentity: spiffeServerIdentity(expected as never, svid.bundle), ALPNProtocols: ['h2'] });
  try {
    await once(socket, 'secureConnect');
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    const serial = socket.getPeerX509Certificate()!.serialNumber;
    await once(socket, 'data');
    return serial;
  } finally {
    socket.destroy();
  }
}

test('real TLS handshakes with the SVIDs: each side sees the other\'s SPIFFE ID; after rotation new handshakes present the new certificate', async (t) => {
  const r = await rig(t, 3000);
  const server = client(t, r, cart);
  const caller = client(t, r, web);
  const serving = await server.c.ready();
  const callerSvid = await caller.c.ready();
  const { server: tlsSrv, seen, port } = await tlsServer(t, serving);
  // The TLS layer's job, done here the way it will: swap the secure context on each update.
  server.c.onUpdate((u) => {
    if (u.state === 'ready') tlsSrv.setSecureContext({ key: u.svid.key.exportPkcs8Pem(), cert: u.svid.certChainPem, ca: u.svid.trustBundlePem, minVersion: 'TLSv1.3' });
  });
  assert.equal(await handshake(port, callerSvid, cart.id), serving.serialNumber);
  assert.deepEqual(seen, [web.id]);
  // Expecting another identity from this server fails the handshake.
  await assert.rejects(handshake(port, callerSvid, web.id), /unexpected-identity/);

  await until('a rotation of the server certificate', () => server.updates.length >= 2, 4000);
  const rotated = server.updates.at(-1)!.svid!;
  assert.notEqual(rotated.serialNumber, serving.serialNumber);
  assert.equal(await handshake(port, caller.c.svid!, cart.id), rotated.serialNumber);
  assert.equal(seen.at(-1), web.id);
});

test('B7: CA down for 3 refresh intervals keeps the certificate, warns below 30 %, fails closed at expiry; the CA back gives a fresh certificate within 5 s', async (t) => {
  const r = await rig(t, 4000);
  const metrics = new ProxyMetrics({ workload: 'cart', namespace: 'shop' }, { runtimeMetrics: false });
  // The default backoff (200 ms doubling to 3 s): the 5 s bound holds for production settings.
  const { c, updates, lines } = client(t, r, cart, { metrics, backoff: {} });
  const held = await c.ready();
  const life = held.notAfter.getTime() - held.receivedAt.getTime();
  const ports = { plaintext: r.server.plaintextPort!, tls: r.server.tlsPort! };
  await r.server.close();
  const downAt = Date.now();
  assert.match(metrics.render(), /weft_proxy_identity_cert_expiry_seconds\{identity="spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart"\} [34]\./);

  // Past the renewal point, before expiry: still serving the same certificate.
  await sleep(Math.max(0, held.receivedAt.getTime() + 0.85 * life - Date.now()));
  assert.equal(c.state, 'ready');
  assert.equal(c.svid?.serialNumber, held.serialNumber);
  assert.ok(lines.some((l) => /certificate request failed: identity service unreachable.*keeping the current certificate/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /WARNING the certificate for spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart expires in \d+ s \(less than 30 %/.test(l)), lines.join('\n'));
  assert.match(metrics.render(), /weft_proxy_identity_cert_ready\{[^}]*\} 1/);

  // At notAfter: fail closed.
  await until('expiry', () => c.state === 'expired', held.notAfter.getTime() - Date.now() + 500);
  assert.ok(Date.now() >= held.notAfter.getTime() - 30, 'not dropped before its expiry');
  assert.equal(c.svid, undefined);
  assert.deepEqual(updates.at(-1), { state: 'expired', svid: undefined });
  assert.match(metrics.render(), /weft_proxy_identity_cert_ready\{[^}]*\} 0/);
  assert.match(metrics.render(), /weft_proxy_identity_cert_expiry_seconds\{[^}]*\} 0/);
  assert.ok(lines.some((l) => l.includes('failing closed')));
  assert.match(metrics.render(), /weft_proxy_identity_request_failures_total\{[^}]*\} [1-9]/);

  // Down for three refresh intervals (0.7 × life each) in all, then back on the same ports.
  await sleep(Math.max(0, downAt + 3 * 0.7 * life - Date.now()));
  r.server = await r.start(ports);
  const backAt = Date.now();
  const waited = await until('a fresh certificate', () => c.state === 'ready', 5000);
  t.diagnostic(`CA down ${backAt - downAt} ms; fresh certificate ${waited} ms after it returned`);
  const fresh = c.svid as Svid | undefined;
  assert.notEqual(fresh?.serialNumber, held.serialNumber);
  assert.ok(fresh!.notAfter.getTime() > Date.now());
  assert.ok(!lines.join('\n').includes('PRIVATE KEY'));
});

test('without a certificate and with a spent single-use token the client stays pending and says why', async (t) => {
  const r = await rig(t, 3000);
  const minted = r.tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  await r.tokens.redeem(minted.token);
  const lines: string[] = [];
  const c = new IdentityClient({ identity: cart, token: () => minted.token, plaintextAddress: `127.0.0.1:${r.server.plaintextPort}`, backoff: { initialMs: 50, maxMs: 100 }, log: (l) => lines.push(l) });
  t.after(() => c.close());
  c.start();
  await until('a refusal', () => lines.some((l) => l.includes('[replayed]')), 3000);
  assert.equal(c.state, 'pending');
  assert.ok(!lines.join('\n').includes(minted.token), 'the token is not logged');
  assert.throws(() => new IdentityClient({ identity: cart, token: () => '' }), /needs the plaintext address/);
});
