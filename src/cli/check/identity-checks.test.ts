import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateView, IssuerView, WorkloadCertificateView } from '../../control/identity/index.ts';
import {
  checkIdentityService, checkIdentitySettings, checkIssuer, checkIssuerChain, checkIssuerOutlivesTtl, checkTrustAnchors, checkWorkloadCertificates,
} from './identity-checks.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const H = 3600_000;
const D = 24 * H;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

const cert = (subject: string, fromMs: number, toMs: number): CertificateView => ({ subject, serial: subject.toUpperCase(), notBefore: at(fromMs), notAfter: at(toMs), fingerprint256: 'AA:BB' });
const issuer = (toMs: number, chains = true): IssuerView => ({ ...cert('issuer', -D, toMs), issuedBy: 'root', chainsToTrustAnchor: chains, ...(chains ? {} : { chainProblem: 'the chain ends at "CN=x" [untrusted-root]' }) });
const leaf = (serial: string, spiffeId: string, issuedMs: number, lifeMs: number): WorkloadCertificateView => ({ serial, spiffeId, issuedAt: at(issuedMs), notAfter: at(issuedMs + lifeMs), via: 'token' });
const CART = 'spiffe://cluster.local/ns/shop/sa/cart';
const WEB = 'spiffe://cluster.local/ns/shop/sa/web';

test('trust anchors: ok with a year left, warning within 30 days, failure when none is valid', () => {
  assert.equal(checkTrustAnchors([cert('root', -D, 365 * D)], NOW).status, 'ok');
  assert.match(checkTrustAnchors([cert('root', -D, 365 * D)], NOW).message, /^1 root, valid until 2027-12-01/);
  const soon = checkTrustAnchors([cert('root', -D, 29 * D)], NOW);
  assert.equal(soon.status, 'warning');
  assert.match(soon.message, /expires within 30 days: 2026-12-30T12:00:00.000Z \(in 29d\)/);
  assert.match(soon.hint ?? '', /rotate the root/);
  assert.equal(checkTrustAnchors([cert('root', -D, 31 * D)], NOW).status, 'ok', '31 days is outside the window');
  const gone = checkTrustAnchors([cert('root', -10 * D, -H)], NOW);
  assert.equal(gone.status, 'failure');
  assert.deepEqual(gone.details, ['"root" (serial ROOT) expired at 2026-12-01T11:00:00.000Z']);
  assert.equal(checkTrustAnchors([cert('future', D, 365 * D)], NOW).status, 'failure', 'a root not valid yet anchors nothing');
});

test('trust anchors in a rotation: an expiring old root beside a new one is fine; an expired one left in the bundle is a warning', () => {
  assert.equal(checkTrustAnchors([cert('old', -D, 10 * D), cert('new', -D, 3650 * D)], NOW).status, 'ok');
  const stale = checkTrustAnchors([cert('old', -400 * D, -D), cert('new', -D, 3650 * D)], NOW);
  assert.equal(stale.status, 'warning');
  assert.match(stale.message, /1 of 2 trust anchors are not valid now/);
  assert.match(stale.details?.[0] ?? '', /"old".*expired/);
});

test('issuer: ok, warning within 30 days, failure when expired or not yet valid', () => {
  assert.equal(checkIssuer(issuer(200 * D), NOW).status, 'ok');
  const soon = checkIssuer(issuer(5 * D), NOW);
  assert.equal(soon.status, 'warning');
  assert.match(soon.message, /expires within 30 days: .* \(in 5d\)/);
  assert.match(soon.hint ?? '', /quarter of its life/);
  assert.equal(checkIssuer(issuer(30 * D - 1), NOW).status, 'warning');
  assert.equal(checkIssuer(issuer(-1), NOW).status, 'failure');
  assert.equal(checkIssuer({ ...issuer(200 * D), notBefore: at(H) }, NOW).status, 'failure');
});

test('issuer chain: failure with the reason the control plane found, ok naming the root', () => {
  const bad = checkIssuerChain({ issuer: issuer(200 * D, false), intermediates: [] });
  assert.equal(bad.status, 'failure');
  assert.match(bad.message, /\[untrusted-root\]/);
  const good = checkIssuerChain({ issuer: issuer(200 * D), intermediates: [cert('mid', -D, 300 * D)] });
  assert.equal(good.status, 'ok');
  assert.equal(good.message, 'issued by "root" through 1 intermediate');
});

test('issuer lifetime against the workload TTL: warning when it has less left than one certificate lives', () => {
  assert.equal(checkIssuerOutlivesTtl(issuer(2 * D), D, NOW).status, 'ok');
  const short = checkIssuerOutlivesTtl(issuer(20 * H), D, NOW);
  assert.equal(short.status, 'warning');
  assert.match(short.message, /20h left, less than the workload lifetime 24h/);
  assert.equal(checkIssuerOutlivesTtl(issuer(-H), D, NOW).status, 'warning');
});

test('workload certificates: an identity in use whose newest certificate expired fails; one nobody uses does not', () => {
  const lapsed = [leaf('C1', WEB, -30 * H, D)];
  const view = { workloadCertificates: [leaf('A1', CART, -H, D)], lapsed };
  const failed = checkWorkloadCertificates(view, new Set([WEB]), NOW);
  assert.equal(failed.status, 'failure');
  assert.deepEqual(failed.details, [`${WEB}: certificate C1 expired at ${at(-6 * H)}`]);
  const idle = checkWorkloadCertificates(view, new Set([CART]), NOW);
  assert.equal(idle.status, 'ok');
  assert.match(idle.message, /^1 valid for 1 identity, the next renewal due before .*; 1 identity without a proxy let theirs expire$/);
});

test('workload certificates: the newest certificate with under 30 % of its life left is overdue; an older one beside a renewal is not', () => {
  // 24 h certificate issued 17 h ago: 7 h (29 %) left → overdue.
  const overdue = checkWorkloadCertificates({ workloadCertificates: [leaf('A1', CART, -17 * H, D)], lapsed: [] }, new Set(), NOW);
  assert.equal(overdue.status, 'warning');
  assert.match(overdue.details?.[0] ?? '', /^spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart: certificate A1, 29 % of its 24h left/);
  // 16 h ago: 8 h (33 %) left → fine.
  assert.equal(checkWorkloadCertificates({ workloadCertificates: [leaf('A1', CART, -16 * H, D)], lapsed: [] }, new Set(), NOW).status, 'ok');
  // The old one is overdue on its own, but it was renewed an hour ago.
  const renewed = checkWorkloadCertificates({ workloadCertificates: [leaf('A1', CART, -20 * H, D), leaf('A2', CART, -H, D)], lapsed: [] }, new Set([CART]), NOW);
  assert.equal(renewed.status, 'ok');
  assert.match(renewed.message, /^2 valid for 1 identity/);
  assert.equal(checkWorkloadCertificates({ workloadCertificates: [], lapsed: [] }, new Set(), NOW).message, 'no workload certificate issued yet');
});

test('identity settings: a MeshConfig trust domain or workload TTL the identity service does not run is a warning', () => {
  assert.equal(checkIdentitySettings({ trustDomain: 'cluster.local', workloadTtlMs: D }, undefined).status, 'ok');
  assert.equal(checkIdentitySettings({ trustDomain: 'example.org', workloadTtlMs: H }, { trustDomain: 'example.org', certificates: { workloadTTL: '1h' } }).status, 'ok');
  const stale = checkIdentitySettings({ trustDomain: 'cluster.local', workloadTtlMs: D }, { trustDomain: 'example.org', certificates: { workloadTTL: '1h' } });
  assert.equal(stale.status, 'warning');
  assert.deepEqual(stale.details, [
    'trustDomain: MeshConfig says example.org, the identity service runs cluster.local',
    'certificates.workloadTTL: MeshConfig says 1h, the identity service grants 24h',
  ]);
  // No MeshConfig trust domain: the --trust-domain the control plane started with is the setting, nothing is stale.
  assert.equal(checkIdentitySettings({ trustDomain: 'example.org', workloadTtlMs: D }, undefined).status, 'ok');
  assert.equal(checkIdentitySettings({ trustDomain: 'example.org', workloadTtlMs: D }, { mtls: { mode: 'STRICT' } }).status, 'ok');
});

test('identity service: a warning with the control plane\'s reason when it is off', () => {
  const off = checkIdentityService('the identity service is off in this control plane (it is off with --in-memory: its CA and tokens need a data directory); start it with --data-dir DIR', undefined);
  assert.equal(off.status, 'warning');
  assert.equal(off.message, 'the identity service is off in this control plane (it is off with --in-memory: its CA and tokens need a data directory): proxies get no workload certificates, so there is no mTLS');
  assert.equal(checkIdentityService(undefined, 'cluster.local').status, 'ok');
});
