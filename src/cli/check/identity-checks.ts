// The identity section of `weft check`: trust anchors, the issuer (validity, chain, lifetime against the workload TTL), workload certificates (lapsed while in use, renewal overdue), MeshConfig settings the running CA has not taken yet. Pure functions of the control plane's answers.
import { newestPerIdentity, type CertificateView, type IdentityView } from '../../control/identity/index.ts';
import type { MeshConfigSpec } from '../../api/index.ts';
import { durationMs } from '../../api/index.ts';
import { humanDuration } from '../render/age.ts';
import { DAY_MS, ok, problem, type CheckResult } from './result.ts';

/** Expiry this close is a warning (Linkerd's `linkerd check` warns at 60 days for anchors; 30 is the issue's figure). */
export const EXPIRY_WARNING_MS = 30 * DAY_MS;
/** A proxy renews at 70 % of its certificate's life; with less than 30 % left the renewal is overdue. */
export const RENEWAL_OVERDUE_FRACTION = 0.3;

const left = (notAfter: string, now: Date) => Date.parse(notAfter) - now.getTime();
const when = (notAfter: string, now: Date) => `${notAfter} (in ${humanDuration(left(notAfter, now))})`;
const describe = (c: CertificateView) => `"${c.subject}" (serial ${c.serial})`;

const ANCHORS = { id: 'identity.trust-anchors', description: 'the trust anchors are valid' } as const;
const ROTATE_ROOT = 'rotate the root without downtime: `weft ca rotate prepare`, then `activate`, then `finish` (`weft ca status` says when; docs/identity.md, "Rotating the root")';

export function checkTrustAnchors(anchors: readonly CertificateView[], now: Date): CheckResult {
  const valid = anchors.filter((a) => Date.parse(a.notBefore) <= now.getTime() && left(a.notAfter, now) > 0);
  const expired = anchors.filter((a) => left(a.notAfter, now) <= 0);
  const early = anchors.filter((a) => Date.parse(a.notBefore) > now.getTime());
  const listed = (cs: readonly CertificateView[], what: (c: CertificateView) => string) => cs.map((c) => `${describe(c)} ${what(c)}`);
  const notYet = listed(early, (c) => `is not valid before ${c.notBefore}`);
  const gone = listed(expired, (c) => `expired at ${c.notAfter}`);
  if (valid.length === 0) {
    return problem('failure', ANCHORS, `no trust anchor is valid now: no certificate of the mesh can be verified`, ROTATE_ROOT, [...gone, ...notYet]);
  }
  const last = valid.reduce((a, b) => (Date.parse(b.notAfter) > Date.parse(a.notAfter) ? b : a));
  if (left(last.notAfter, now) < EXPIRY_WARNING_MS) {
    return problem('warning', ANCHORS, `the last trust anchor expires within ${EXPIRY_WARNING_MS / DAY_MS} days: ${when(last.notAfter, now)}`, ROTATE_ROOT, listed(valid, (c) => `expires ${when(c.notAfter, now)}`));
  }
  if (expired.length + early.length > 0) {
    return problem('warning', ANCHORS, `${expired.length + early.length} of ${anchors.length} trust anchors are not valid now (the others are)`, 'remove the expired root from the trust bundle (--ca-roots); a root not yet valid anchors nothing until then', [...gone, ...notYet]);
  }
  return ok(ANCHORS, `${anchors.length} root${anchors.length === 1 ? '' : 's'}, valid until ${when(last.notAfter, now)}`);
}

const ISSUER = { id: 'identity.issuer', description: 'the issuer is valid' } as const;
const RENEW_ISSUER = 'a generated CA renews its issuer from the root key when a quarter of its life is left, at the next start of `weft control-plane`; a brought CA needs a new --ca-cert/--ca-key';

export function checkIssuer(issuer: CertificateView, now: Date): CheckResult {
  if (Date.parse(issuer.notBefore) > now.getTime()) return problem('failure', ISSUER, `the issuer ${describe(issuer)} is not valid before ${issuer.notBefore}: no workload certificate can be issued`, 'check the clocks of this host and of the CA that signed the issuer; or supply a valid --ca-cert/--ca-key');
  if (left(issuer.notAfter, now) <= 0) return problem('failure', ISSUER, `the issuer ${describe(issuer)} expired at ${issuer.notAfter}: no workload certificate can be issued or verified`, RENEW_ISSUER);
  if (left(issuer.notAfter, now) < EXPIRY_WARNING_MS) return problem('warning', ISSUER, `the issuer ${describe(issuer)} expires within ${EXPIRY_WARNING_MS / DAY_MS} days: ${when(issuer.notAfter, now)}`, RENEW_ISSUER);
  return ok(ISSUER, `${describe(issuer)}, valid until ${when(issuer.notAfter, now)}`);
}

const CHAIN = { id: 'identity.issuer-chain', description: 'the issuer chains to a trust anchor' } as const;

export function checkIssuerChain(view: Pick<IdentityView, 'issuer' | 'intermediates'>): CheckResult {
  if (!view.issuer.chainsToTrustAnchor) {
    return problem('failure', CHAIN, `workload certificates would not verify: ${view.issuer.chainProblem ?? 'the issuer does not chain to the bundle'}`, 'give the roots that signed the issuer with --ca-roots, and any intermediates after the issuer in --ca-cert');
  }
  const via = view.intermediates.length === 0 ? '' : ` through ${view.intermediates.length} intermediate${view.intermediates.length === 1 ? '' : 's'}`;
  return ok(CHAIN, `issued by "${view.issuer.issuedBy}"${via}`);
}

const TTL = { id: 'identity.issuer-lifetime', description: 'the issuer outlives the workload certificate lifetime' } as const;

export function checkIssuerOutlivesTtl(issuer: CertificateView, workloadTtlMs: number, now: Date): CheckResult {
  const remaining = left(issuer.notAfter, now);
  if (remaining < workloadTtlMs) {
    // A leaf never outlives its issuer (src/pki/issue.ts): new certificates are cut short.
    return problem('warning', TTL, `the issuer has ${humanDuration(Math.max(remaining, 0))} left, less than the workload lifetime ${humanDuration(workloadTtlMs)}: new certificates are cut to the issuer's expiry and renew ever more often`, RENEW_ISSUER);
  }
  return ok(TTL, `${humanDuration(remaining)} left, workload certificates live ${humanDuration(workloadTtlMs)}`);
}

const WORKLOADS = { id: 'identity.workload-certificates', description: 'workload certificates are valid and renewed in time' } as const;

/**
 * `inUse`: the SPIFFE IDs of the connected sidecars. An identity in use whose newest certificate
 * expired is a failure (its proxy could not renew); a newest certificate with under 30 % of its
 * life left is overdue for its renewal at 70 %. Older certificates of a renewed identity are
 * left alone: they run out on their own.
 */
export function checkWorkloadCertificates(view: Pick<IdentityView, 'workloadCertificates' | 'lapsed'>, inUse: ReadonlySet<string>, now: Date): CheckResult {
  const lapsed = view.lapsed.filter((c) => inUse.has(c.spiffeId));
  if (lapsed.length > 0) {
    return problem('failure', WORKLOADS, `${lapsed.length} identit${lapsed.length === 1 ? 'y' : 'ies'} of connected proxies hold${lapsed.length === 1 ? 's' : ''} no valid certificate: the newest expired without a renewal`,
      'the proxy could not renew: check its log for identity errors; if the token it descends from was revoked, give it a new one (weft token create)',
      lapsed.map((c) => `${c.spiffeId}: certificate ${c.serial} expired at ${c.notAfter}`));
  }
  const newest = newestPerIdentity(view.workloadCertificates);
  const overdue = newest.filter((c) => left(c.notAfter, now) < RENEWAL_OVERDUE_FRACTION * (Date.parse(c.notAfter) - Date.parse(c.issuedAt)));
  if (overdue.length > 0) {
    return problem('warning', WORKLOADS, `${overdue.length} of ${newest.length} identities are overdue for renewal (under ${RENEWAL_OVERDUE_FRACTION * 100} % of the certificate's life left; proxies renew at 70 %)`,
      'check the proxy\'s log for identity errors and that it reaches the identity service (port 15012 for renewals); a proxy that stopped leaves its certificate to expire, which is harmless',
      overdue.map((c) => {
        const life = Date.parse(c.notAfter) - Date.parse(c.issuedAt);
        return `${c.spiffeId}: certificate ${c.serial}, ${Math.round((100 * left(c.notAfter, now)) / life)} % of its ${humanDuration(life)} left, expires ${c.notAfter}`;
      }));
  }
  if (newest.length === 0) return ok(WORKLOADS, 'no workload certificate issued yet');
  const next = newest.reduce((a, b) => (Date.parse(b.notAfter) < Date.parse(a.notAfter) ? b : a));
  const idle = view.lapsed.length === 0 ? '' : `; ${view.lapsed.length} identit${view.lapsed.length === 1 ? 'y' : 'ies'} without a proxy let theirs expire`;
  return ok(WORKLOADS, `${view.workloadCertificates.length} valid for ${newest.length} identit${newest.length === 1 ? 'y' : 'ies'}, the next renewal due before ${next.notAfter}${idle}`);
}

const SETTINGS = { id: 'identity.mesh-config', description: 'the identity service runs with the MeshConfig\'s settings' } as const;

/** The trust domain and workload lifetime are read at start: a MeshConfig applied since waits for a restart. */
export function checkIdentitySettings(view: Pick<IdentityView, 'trustDomain' | 'workloadTtlMs'>, mesh: MeshConfigSpec | undefined): CheckResult {
  const stale: string[] = [];
  // Only a trust domain the MeshConfig names can disagree: without one, a --trust-domain flag is what counts.
  const td = mesh?.trustDomain;
  if (td !== undefined && view.trustDomain !== undefined && td !== view.trustDomain) stale.push(`trustDomain: MeshConfig says ${td}, the identity service runs ${view.trustDomain}`);
  const ttl = mesh?.certificates?.workloadTTL;
  const ttlMs = durationMs(ttl ?? '24h');
  if (view.workloadTtlMs !== undefined && ttlMs !== undefined && ttlMs !== view.workloadTtlMs) {
    stale.push(`certificates.workloadTTL: MeshConfig says ${ttl ?? '24h (default)'}, the identity service grants ${humanDuration(view.workloadTtlMs)}`);
  }
  if (stale.length > 0) {
    return problem('warning', SETTINGS, 'the MeshConfig changed identity settings that are read at start', 'restart `weft control-plane` to apply them (a --trust-domain flag wins over the MeshConfig; changing the trust domain changes every SPIFFE ID)', stale);
  }
  return ok(SETTINGS, `trust domain ${view.trustDomain ?? td}, workload certificates ${humanDuration(view.workloadTtlMs ?? ttlMs ?? 0)}`);
}

const SERVICE = { id: 'identity.service', description: 'the identity service runs' } as const;

/** `off`: the control plane's reason (GET /weft/v1/identity answered 404), undefined when it runs. */
export function checkIdentityService(off: string | undefined, trustDomain: string | undefined): CheckResult {
  if (off !== undefined) return problem('warning', SERVICE, `${off.replace(/;.*$/, '')}: proxies get no workload certificates, so there is no mTLS`, 'run `weft control-plane --data-dir DIR` (the default data directory is ~/.weft/control-plane)');
  return ok(SERVICE, `trust domain ${trustDomain ?? 'unknown'}`);
}
