// The identity client's bundle watch at its edges: a proxy that missed phase 2 renews by token as soon as finish drops its root; the watch reconnects after the control plane comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdentityServer, FileTokenStore, IssuanceLog, WorkloadTokens, type RunningIdentityServer } from '../../src/control/identity/index.ts';
import { parseTrustDomain, PrivateKey, RotatingCa, workloadId } from '../../src/pki/index.ts';
import { IdentityClient, type IdentityClientOptions, type IdentityUpdate } from '../../src/proxy/identity/index.ts';

const TD = parseTrustDomain('cluster.local');
const cart = workloadId(TD, 'shop', 'cart');

async function rig(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-follow-'));
  const ca = await RotatingCa.open({ dir: join(dir, 'ca'), trustDomain: TD });
  const tokens = new WorkloadTokens(TD, await PrivateKey.generate(), new FileTokenStore(join(dir, 'tokens.json')));
  const issuanceLog = await IssuanceLog.open(join(dir, 'issued.jsonl'));
  const start = (ports = { plaintext: 0, tls: 0 }) =>
    createIdentityServer({ ca, tokens, issuanceLog, leafTtlMs: 3600_000, plaintextPort: ports.plaintext, tlsPort: ports.tls });
  const r = { ca, tokens, issuanceLog, server: await start() as RunningIdentityServer, start };
  t.after(async () => {
    await r.server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return r;
}

function client(t: { after: (fn: () => void) => void }, r: Awaited<ReturnType<typeof rig>>, extra: Partial<IdentityClientOptions> = {}) {
  const token = r.tokens.mint({ namespace: 'shop', serviceAccount: 'cart', reusable: true }).token;
  const lines: string[] = [];
  const updates: IdentityUpdate[] = [];
  const c = new IdentityClient({
    identity: cart,
    token: () => token,
    plaintextAddress: `127.0.0.1:${r.server.plaintextPort}`,
    tlsAddress: `127.0.0.1:${r.server.tlsPort}`,
    backoff: { initialMs: 100, maxMs: 500 },
    log: (l) => lines.push(l),
    ...extra,
  });
  c.onUpdate((u) => updates.push(u));
  t.after(() => c.close());
  c.start();
  return { c, lines, updates };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

const issuerOf = (pem: string) => new X509Certificate((pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [])[1]).fingerprint256;

test('a proxy that missed phase 2 gets the one-root bundle at finish and renews by token at once', async (t) => {
  const r = await rig(t);
  // A 1 h jitter window: this proxy does not move in phase 2 (as one that was offline would not).
  const { c, lines } = client(t, r, { issuerChangeRenewWithinMs: 3600_000 });
  const first = await c.ready();
  await r.ca.prepare();
  await until('the two-root bundle', () => c.svid?.bundle.roots.length === 2, 3000);
  assert.equal(c.svid?.serialNumber, first.serialNumber, 'the bundle is swapped under the same certificate');
  const { ca: signing } = await r.ca.activate();
  await sleep(300);
  assert.equal(c.svid?.serialNumber, first.serialNumber, 'not renewed yet: outside its jitter window');
  await r.ca.finish();
  const ms = await until('a certificate of the new root', () => c.svid !== undefined && c.svid.serialNumber !== first.serialNumber, 5000);
  assert.equal(c.svid!.bundle.roots.length, 1);
  assert.equal(issuerOf(c.svid!.certChainPem), signing.issuer.fingerprint256);
  assert.equal(r.issuanceLog.find(c.svid!.serialNumber)?.via, 'token', 'a certificate the control plane no longer trusts cannot renew itself');
  assert.ok(lines.some((l) => /the trust bundle no longer holds the root of certificate serial \w+; requesting a new certificate now/.test(l)), lines.join('\n'));
  t.diagnostic(`new-root certificate ${ms} ms after finish`);
});

test('the watch reconnects when the control plane returns, and delivers what changed meanwhile', async (t) => {
  const r = await rig(t);
  const { c, lines } = client(t, r, { watchBackoff: { initialMs: 100, maxMs: 1000 } });
  await c.ready();
  await sleep(200);
  const ports = { plaintext: r.server.plaintextPort!, tls: r.server.tlsPort! };
  await r.server.close();
  await until('the watch to notice', () => lines.some((l) => l.includes('trust bundle watch')), 3000);
  await r.ca.prepare();
  r.server = await r.start(ports);
  const ms = await until('the two-root bundle after the restart', () => c.svid?.bundle.roots.length === 2, 5000);
  t.diagnostic(`bundle delivered ${ms} ms after the identity service came back`);
  assert.equal(lines.filter((l) => l.includes('trust bundle watch')).length, 1, `one line per outage:\n${lines.join('\n')}`);
});
