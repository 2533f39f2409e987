// WatchTrustBundle over real gRPC (plaintext and TLS ports, port 0) through a root rotation, and renewals of old-issuer leaves during it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createCsr, identityServiceClient, parseTrustBundle, parseTrustDomain, PrivateKey, RotatingCa, spiffeServerIdentity, workloadId,
  type CreateCertificateResponse, type TrustBundleUpdate,
} from '../../pki/index.ts';
import { IssuanceLog } from './issuance-log.ts';
import { createIdentityServer } from './service.ts';
import { FileTokenStore } from './token-store.ts';
import { WorkloadTokens } from './tokens.ts';
import { requestCertificate } from '../../../test/helpers/identity-call.ts';

const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');
const CP_ID = 'spiffe://cluster.local/ns/weft-system/sa/weft-control-plane';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-watch-'));
  const ca = await RotatingCa.open({ dir: join(dir, 'ca'), trustDomain: TD });
  const tokens = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'tokens.json')));
  const issuanceLog = await IssuanceLog.open(join(dir, 'issued.jsonl'));
  const lines: string[] = [];
  const server = await createIdentityServer({ ca, tokens, issuanceLog, plaintextPort: 0, tlsPort: 0, leafTtlMs: 3600_000, log: (l) => lines.push(l) });
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { ca, tokens, issuanceLog, server, lines, plaintext: `127.0.0.1:${server.plaintextPort}`, tls: `127.0.0.1:${server.tlsPort}` };
}

/** Opens a watch and collects its messages. */
function watch(address: string, credentials: grpc.ChannelCredentials) {
  const client = identityServiceClient(address, credentials);
  const updates: TrustBundleUpdate[] = [];
  const stream = client.WatchTrustBundle({}, new grpc.Metadata());
  let ended: string | undefined;
  stream.on('data', (u: TrustBundleUpdate) => updates.push(u));
  stream.on('error', (err: grpc.ServiceError) => { ended = `error ${grpc.status[err.code]}`; });
  stream.on('end', () => { ended ??= 'end'; });
  return { updates, ended: () => ended, close: () => { stream.cancel(); client.close(); } };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function serverAuth(bundlePem: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(bundlePem), null, null, { checkServerIdentity: spiffeServerIdentity(CP_ID as never, parseTrustBundle(TD, bundlePem)) });
}


function mtls(response: CreateCertificateResponse, key: PrivateKey): grpc.ChannelCredentials {
  const pem = response.trust_bundle.join('');
  return grpc.credentials.createSsl(Buffer.from(pem), Buffer.from(key.exportPkcs8Pem()), Buffer.from(response.cert_chain.join('')), {
    checkServerIdentity: spiffeServerIdentity(CP_ID as never, parseTrustBundle(TD, pem)),
  });
}

test('the watch sends the bundle at once and at every rotation step, on the plaintext and the TLS port; closing the server ends it', async (t) => {
  const { ca, plaintext, tls, server, lines } = await setup(t);
  const oldRoot = ca.view.ca.bundle.roots[0].toString();
  const oldIssuer = ca.view.ca.issuer.fingerprint256;
  const plain = watch(plaintext, grpc.credentials.createInsecure());
  const secure = watch(tls, serverAuth(oldRoot));
  t.after(() => { plain.close(); secure.close(); });
  await until('the first messages', () => plain.updates.length === 1 && secure.updates.length === 1);
  assert.deepEqual(plain.updates[0], { trust_bundle: [oldRoot], issuer_fingerprint: oldIssuer, phase: 'steady' });
  assert.deepEqual(secure.updates[0], plain.updates[0]);

  const prepared = await ca.prepare();
  await until('prepare', () => plain.updates.length === 2 && secure.updates.length === 2);
  const newRoot = prepared.ca.bundle.roots[1].toString();
  assert.deepEqual(plain.updates[1], { trust_bundle: [oldRoot, newRoot], issuer_fingerprint: oldIssuer, phase: 'prepared' });

  const activated = await ca.activate();
  await until('activate', () => plain.updates.length === 3 && secure.updates.length === 3);
  assert.deepEqual(secure.updates[2], { trust_bundle: [oldRoot, newRoot], issuer_fingerprint: activated.ca.issuer.fingerprint256, phase: 'activated' });

  await ca.finish();
  await until('finish', () => plain.updates.length === 4 && secure.updates.length === 4);
  assert.deepEqual(secure.updates[3], { trust_bundle: [newRoot], issuer_fingerprint: activated.ca.issuer.fingerprint256, phase: 'steady' });
  assert.ok(lines.some((l) => l.includes('trust bundle now 1 root(s), phase steady') && l.includes('sent to 2 watching proxies')));

  // The TLS port now presents a certificate of the new CA: a client that trusts only the new root connects; one with only the old root does not.
  await until('the re-issued TLS certificate', () => lines.some((l) => l.includes('re-issued for the CA rotation')));
  const fresh = watch(tls, serverAuth(newRoot));
  const stale = watch(tls, serverAuth(oldRoot));
  t.after(() => { fresh.close(); stale.close(); });
  await until('the new-root client', () => fresh.updates.length === 1);
  await until('the old-root client refused', () => stale.ended() !== undefined);
  assert.equal(stale.ended(), 'error UNAVAILABLE');
  assert.equal(stale.updates.length, 0);

  const closing = server.close();
  await until('the streams to end', () => plain.ended() !== undefined && secure.ended() !== undefined);
  const started = Date.now();
  await closing;
  assert.ok(Date.now() - started < 900, 'watches do not hold the shutdown for the 1 s grace');
});

test('during activate, a leaf of the old issuer renews over mTLS onto the new issuer; the log records issuer and what it replaces', async (t) => {
  const { ca, tokens, plaintext, tls, issuanceLog } = await setup(t);
  const { token } = tokens.mint({ namespace: 'shop', serviceAccount: 'cart' });
  const first = await createCsr(cart);
  const issued = await requestCertificate(plaintext, grpc.credentials.createInsecure(), first.csrPem, token);
  const oldSerial = new X509Certificate(issued.cert_chain[0]).serialNumber;
  assert.equal(issuanceLog.find(oldSerial)?.issuer, ca.view.ca.issuer.fingerprint256);

  await ca.prepare();
  const activated = await ca.activate();
  // The proxy learned the overlapping bundle from the watch; its old leaf still authenticates.
  const withBundle = { ...issued, trust_bundle: activated.ca.bundle.roots.map((r) => r.toString()) };
  const second = await createCsr(cart);
  const renewed = await requestCertificate(tls, mtls(withBundle, first.key), second.csrPem);
  assert.equal(renewed.trust_bundle.length, 2);
  assert.equal(renewed.cert_chain[1], activated.ca.issuer.toString(), 'the renewal is signed by the new issuer');
  const record = issuanceLog.find(new X509Certificate(renewed.cert_chain[0]).serialNumber);
  assert.equal(record?.issuer, activated.ca.issuer.fingerprint256);
  assert.equal(record?.replaces, oldSerial);
  assert.equal(record?.via, 'renewal');

  // After finish the old leaf no longer renews (its root left the bundle); the new one does.
  await ca.finish();
  await sleep(100); // the TLS port's certificate is re-issued asynchronously
  const newBundle = { trust_bundle: ca.view.ca.bundle.roots.map((r) => r.toString()) };
  // (OpenSSL does not report a client certificate outside the server's bundle, so it reads as "no credential".)
  await assert.rejects(requestCertificate(tls, mtls({ ...issued, ...newBundle }, first.key), (await createCsr(cart)).csrPem), (err: grpc.ServiceError) =>
    err.code === grpc.status.UNAUTHENTICATED && /renewal refused|no credential/.test(err.details));
  const again = await requestCertificate(tls, mtls({ ...renewed, ...newBundle }, second.key), (await createCsr(cart)).csrPem);
  assert.equal(again.trust_bundle.length, 1);
});
