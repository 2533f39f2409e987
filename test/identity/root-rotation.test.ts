// RELIABILITY.md B6: a root rotation (prepare → activate → finish) under load between two mTLS endpoints fed by IdentityClient updates — 0 failures; afterwards a leaf of the old root is refused.
// Short phases by default; WEFT_B6_LONG=1 runs the RELIABILITY.md version (3 phases of 60 s, 100 s leaves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { CaAdmin, createIdentityServer, FileTokenStore, IssuanceLog, WorkloadTokens } from '../../src/control/identity/index.ts';
import { createCsr, issueSvid, parseTrustDomain, PrivateKey, RotatingCa, spiffeServerIdentity, verifyPeer, verifySocketPeer, workloadId, type WorkloadIdentity } from '../../src/pki/index.ts';
import { IdentityClient, type Svid } from '../../src/proxy/identity/index.ts';

const LONG = process.env.WEFT_B6_LONG === '1';
const PHASE_MS = LONG ? 60_000 : 2500;
const LEAF_TTL_MS = LONG ? 100_000 : 12_000;
const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');
const web = workloadId(TD, 'shop', 'web');

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

/** The fingerprint of the certificate that signed the proxy's leaf (its chain's second). */
function issuerOf(svid: Svid): string {
  const pems = svid.certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return new X509Certificate(pems[1]).fingerprint256;
}

test(`B6: root rotation, 3 phases of ${PHASE_MS / 1000} s under load: 0 failed requests; then an old-root leaf is refused`, { timeout: LONG ? 600_000 : 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-b6-'));
  const ca = await RotatingCa.open({ dir: join(dir, 'ca'), trustDomain: TD });
  const tokens = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'tokens.json')));
  const issuanceLog = await IssuanceLog.open(join(dir, 'issued.jsonl'));
  const cpLog: string[] = [];
  const server = await createIdentityServer({ ca, tokens, issuanceLog, leafTtlMs: LEAF_TTL_MS, minLeafTtlMs: 1000, plaintextPort: 0, tlsPort: 0, log: (l) => cpLog.push(l) });
  const admin = new CaAdmin(ca, issuanceLog, (l) => cpLog.push(l));
  const clients: IdentityClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const identityClient = (identity: WorkloadIdentity) => {
    const token = tokens.mint({ namespace: identity.namespace, serviceAccount: identity.serviceAccount }).token;
    const c = new IdentityClient({
      identity,
      token: () => token,
      plaintextAddress: `127.0.0.1:${server.plaintextPort}`,
      tlsAddress: `127.0.0.1:${server.tlsPort}`,
      issuerChangeRenewWithinMs: LONG ? 30_000 : 1000,
    });
    clients.push(c);
    c.start();
    return c;
  };
  const cartId = identityClient(cart);
  const webId = identityClient(web);
  const [cartFirst, webFirst] = await Promise.all([cartId.ready(), webId.ready()]);
  const oldCa = ca.view.ca;

  // The server endpoint (cart): mTLS required; its secure context follows cart's updates in place.
  const contextOf = (s: Svid) => ({ key: s.key.exportPkcs8Pem(), cert: s.certChainPem, ca: s.trustBundlePem });
  let serverBundle = cartFirst.bundle;
  const endpoint = https.createServer({ ...contextOf(cartFirst), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (req, res) => {
    const peer = verifySocketPeer(req.socket as TLSSocket, serverBundle, 'client');
    res.end(peer.ok ? peer.identity.id : `refused ${peer.reason}`);
  });
  cartId.onUpdate((u) => {
    if (u.state !== 'ready') return;
    serverBundle = u.svid.bundle;
    endpoint.setSecureContext({ ...contextOf(u.svid), minVersion: 'TLSv1.3' });
  });
  t.after(() => {
    endpoint.close();
    endpoint.closeAllConnections();
  });
  endpoint.listen(0, '127.0.0.1');
  await once(endpoint, 'listening');
  const port = (endpoint.address() as AddressInfo).port;

  // The client endpoint (web): a keep-alive agent per certificate/bundle (new handshakes use the new
  // one; connections of the previous agent finish their requests, then close), and fresh handshakes.
  const agentOf = (s: Svid) => new https.Agent({ ...contextOf(s), keepAlive: true, maxSockets: 4, checkServerIdentity: spiffeServerIdentity(cart.id, s.bundle), minVersion: 'TLSv1.3' });
  let svid = webFirst;
  let agent = agentOf(svid);
  webId.onUpdate((u) => {
    if (u.state !== 'ready') return;
    const old = agent;
    svid = u.svid;
    agent = agentOf(u.svid);
    setTimeout(() => old.destroy(), 2000).unref();
  });
  t.after(() => agent.destroy());

  const counts = { ok: 0, failed: 0, handshakes: 0 };
  const failures: string[] = [];
  let phase = 'steady';
  const perPhase = new Map<string, number>();
  let running = true;
  const request = (fresh: boolean) => new Promise<void>((resolve) => {
    const options = fresh
      ? { ...contextOf(svid), agent: false as const, checkServerIdentity: spiffeServerIdentity(cart.id, svid.bundle), minVersion: 'TLSv1.3' as const }
      : { agent };
    const req = https.request({ host: '127.0.0.1', port, path: '/', ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        if (res.statusCode === 200 && body === web.id) {
          counts.ok++;
          perPhase.set(phase, (perPhase.get(phase) ?? 0) + 1);
        } else {
          counts.failed++;
          failures.push(`${phase}: ${res.statusCode} ${body}`);
        }
        resolve();
      });
    });
    if (fresh) req.on('socket', (s) => s.once('secureConnect', () => counts.handshakes++));
    req.on('error', (err) => {
      counts.failed++;
      failures.push(`${phase}: ${err.message}`);
      resolve();
    });
    req.end();
  });
  const worker = async (fresh: boolean) => {
    while (running) await request(fresh);
  };
  const load = Promise.all([worker(false), worker(false), worker(false), worker(true)]);
  t.after(() => { running = false; });

  const both = (cond: (s: Svid) => boolean) => () => [cartId.svid, webId.svid].every((s) => s !== undefined && cond(s));
  await sleep(PHASE_MS);

  phase = 'prepared';
  await admin.rotate('prepare');
  const newRoot = ca.view.ca.bundle.roots[1];
  const learnedMs = await until('both proxies to hold the old + new bundle', both((s) => s.bundle.roots.length === 2), 5000);
  await sleep(PHASE_MS);

  phase = 'activated';
  await admin.rotate('activate');
  const newIssuer = ca.view.ca.issuer.fingerprint256;
  const movedMs = await until('both proxies to hold new-issuer leaves', both((s) => issuerOf(s) === newIssuer), LONG ? 40_000 : 5000);
  assert.equal(admin.status().certificates.fromOtherIssuers, 0, 'weft ca status: every certificate in use is from the new issuer');
  await sleep(PHASE_MS);

  phase = 'finished';
  await admin.rotate('finish');
  const droppedMs = await until('both proxies to hold the new root only', both((s) => s.bundle.roots.length === 1 && s.bundle.roots[0].raw.equals(newRoot.raw)), 5000);
  await sleep(PHASE_MS);
  running = false;
  await load;

  t.diagnostic(`requests ok ${counts.ok}, failed ${counts.failed}, fresh handshakes ${counts.handshakes}; per phase ${JSON.stringify(Object.fromEntries(perPhase))}`);
  t.diagnostic(`bundle reached both proxies ${learnedMs} ms after prepare; both on new-issuer leaves ${movedMs} ms after activate; old root gone from both ${droppedMs} ms after finish`);
  assert.deepEqual(failures.slice(0, 5), []);
  assert.equal(counts.failed, 0);
  for (const p of ['steady', 'prepared', 'activated', 'finished']) assert.ok((perPhase.get(p) ?? 0) > 20, `requests in phase ${p}: ${perPhase.get(p)}`);
  assert.ok(counts.handshakes > 20);

  // After phase 3: a valid, unexpired leaf of the old root is refused by the server endpoint (handshake).
  const { key, csrPem } = await createCsr(web);
  const oldLeaf = await issueSvid(oldCa, csrPem, web, { ttlMs: 3600_000 });
  const refused = await new Promise<string>((resolve) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/', agent: false, key: key.exportPkcs8Pem(), cert: oldLeaf.chainPem, ca: svid.trustBundlePem,
      checkServerIdentity: spiffeServerIdentity(cart.id, svid.bundle), minVersion: 'TLSv1.3',
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(`answered ${res.statusCode}`));
    });
    req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    req.end();
  });
  assert.match(refused, /^error /, `an old-root leaf must be refused, got ${refused}`);
  const check = verifyPeer([oldLeaf.certificate, oldCa.issuer], ca.view.ca.bundle, { role: 'client' });
  assert.equal(!check.ok && check.reason, 'untrusted-root');
  // The same leaf was accepted while the bundle overlapped: it is the root, not the leaf, that is refused.
  assert.equal(verifyPeer([oldLeaf.certificate, oldCa.issuer], { trustDomain: TD, roots: [...oldCa.bundle.roots, newRoot] }, { role: 'client' }).ok, true);
});
