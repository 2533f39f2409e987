import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCa, parseTrustDomain } from '../../pki/index.ts';
import { forge } from '../../pki/testkit.ts';
import { identityView } from './view.ts';
import type { IssuedRecord } from './issuance-log.ts';

const TD = parseTrustDomain('cluster.local');
const HOUR = 3600_000;
const NOW = new Date();

const rec = (serial: string, spiffeId: string, issuedAgoH: number, lifeH: number): IssuedRecord => ({
  serial, spiffeId, issuedAt: new Date(NOW.getTime() - issuedAgoH * HOUR).toISOString(), notAfter: new Date(NOW.getTime() + (lifeH - issuedAgoH) * HOUR).toISOString(), lineage: 'secret-jti', via: 'token',
});

test('identityView: anchors and issuer with their fields, a chain that verifies, live certificates oldest first, lapsed identities, no lineage', async () => {
  const { ca, root, issuer } = await generateCa(TD);
  const records = [
    rec('B2', 'spiffe://cluster.local/ns/shop/sa/cart', 1, 24), // cart's renewal: live
    rec('B1', 'spiffe://cluster.local/ns/shop/sa/cart', 20, 24), // cart's first: live, older
    rec('C1', 'spiffe://cluster.local/ns/shop/sa/web', 30, 24), // web's only one: expired → lapsed
    rec('D1', 'spiffe://cluster.local/ns/shop/sa/db', 50, 24), // db: expired, then renewed
    rec('D2', 'spiffe://cluster.local/ns/shop/sa/db', 2, 24),
  ];
  const view = identityView({ trustDomain: TD, workloadTtlMs: 24 * HOUR, roots: ca.bundle.roots, issuer: ca.issuer, intermediates: ca.intermediates, records, now: NOW });
  assert.equal(view.trustDomain, 'cluster.local');
  assert.equal(view.workloadTtlMs, 24 * HOUR);
  assert.deepEqual(view.trustAnchors, [{
    subject: root.cert.subject.replaceAll('\n', ', '), serial: root.cert.serialNumber, notBefore: root.cert.validFromDate.toISOString(),
    notAfter: root.cert.validToDate.toISOString(), fingerprint256: root.cert.fingerprint256,
  }]);
  assert.equal(view.issuer.serial, issuer.cert.serialNumber);
  assert.equal(view.issuer.issuedBy, view.trustAnchors[0].subject);
  assert.equal(view.issuer.chainsToTrustAnchor, true);
  assert.equal(view.issuer.chainProblem, undefined);
  assert.deepEqual(view.workloadCertificates.map((c) => c.serial), ['B1', 'D2', 'B2']);
  assert.deepEqual(view.lapsed.map((c) => c.serial), ['C1']);
  assert.ok(!JSON.stringify(view).includes('secret-jti'), 'the token ID stays out');
  assert.ok(!JSON.stringify(view).includes('PRIVATE'), 'no key');
});

test('identityView: an issuer from another root does not chain, and says why', async () => {
  const { ca } = await generateCa(TD);
  const foreign = await forge({ ca: true, subject: 'CN=foreign root' });
  const view = identityView({ roots: [foreign.cert], issuer: ca.issuer, intermediates: [], records: [], now: NOW });
  assert.equal(view.issuer.chainsToTrustAnchor, false);
  assert.match(view.issuer.chainProblem ?? '', /incomplete-chain|untrusted-root/);
  assert.equal(view.trustDomain, undefined);
});

test('identityView: a root that is its own issuer chains', async () => {
  const root = await forge({ ca: true, subject: 'CN=single root' });
  const view = identityView({ roots: [root.cert], issuer: root.cert, intermediates: [], records: [], now: NOW });
  assert.equal(view.issuer.chainsToTrustAnchor, true);
});
