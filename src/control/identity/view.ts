// What `GET /weft/v1/identity` and `weft identity` show: the trust anchors, the issuer (and whether it chains to an anchor), the live workload certificates — certificates and metadata only, never a key.
import type { X509Certificate } from 'node:crypto';
import { verifyChain } from '../../pki/index.ts';
import type { IssuedRecord } from './issuance-log.ts';

export interface CertificateView {
  /** The distinguished name, RDNs joined by ", ". */
  readonly subject: string;
  /** Hex, as node:crypto prints it. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER, colon-separated hex (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
}

export interface IssuerView extends CertificateView {
  readonly issuedBy: string;
  /** The issuer's path to a trust anchor of the bundle verifies now (signatures, CA flags, lifetimes). */
  readonly chainsToTrustAnchor: boolean;
  /** Why it does not, when it does not. */
  readonly chainProblem?: string;
}

export interface WorkloadCertificateView {
  readonly serial: string;
  readonly spiffeId: string;
  readonly issuedAt: string;
  readonly notAfter: string;
  readonly via: IssuedRecord['via'];
}

export interface IdentityView {
  readonly kind: 'IdentityStatus';
  /** Absent when read from files (the CA's files do not record it). */
  readonly trustDomain?: string;
  /** The longest workload certificate lifetime granted, in ms; absent when read from files. */
  readonly workloadTtlMs?: number;
  readonly trustAnchors: readonly CertificateView[];
  readonly issuer: IssuerView;
  /** Certificates between the issuer and the anchors (a brought CA's chain). */
  readonly intermediates: readonly CertificateView[];
  /** Unexpired certificates of the issuance log, oldest first. */
  readonly workloadCertificates: readonly WorkloadCertificateView[];
  /**
   * Identities whose newest recorded certificate has expired without a renewal — a workload that
   * stopped, or one that could not renew. As far back as the log remembers (it drops expired
   * entries when the control plane starts).
   */
  readonly lapsed: readonly WorkloadCertificateView[];
}

export interface IdentityViewInput {
  readonly trustDomain?: string;
  readonly workloadTtlMs?: number;
  readonly roots: readonly X509Certificate[];
  readonly issuer: X509Certificate;
  readonly intermediates: readonly X509Certificate[];
  readonly records: readonly IssuedRecord[];
  readonly now: Date;
}

const dn = (name: string | undefined) => (name ?? '').replaceAll('\n', ', ');

export function certificateView(c: X509Certificate): CertificateView {
  return { subject: dn(c.subject), serial: c.serialNumber, notBefore: c.validFromDate.toISOString(), notAfter: c.validToDate.toISOString(), fingerprint256: c.fingerprint256 };
}

function workloadView(r: IssuedRecord): WorkloadCertificateView {
  // The record's lineage (the token ID) stays out: it is what `weft token revoke` takes.
  return { serial: r.serial, spiffeId: r.spiffeId, issuedAt: r.issuedAt, notAfter: r.notAfter, via: r.via };
}

function chain(input: IdentityViewInput): { readonly ok: true } | { readonly ok: false; readonly message: string } {
  // A root used directly as the issuer is its own anchor.
  if (input.roots.some((r) => r.raw.equals(input.issuer.raw))) return { ok: true };
  try {
    const result = verifyChain(input.issuer, input.intermediates, input.roots, input.now);
    return result.ok ? result : { ok: false, message: `${result.message} [${result.reason}]` };
  } catch (err) {
    return { ok: false, message: `the chain cannot be checked: ${(err as Error).message}` };
  }
}

/** The most recently issued certificate of each SPIFFE ID (a renewal supersedes what it renewed). */
export function newestPerIdentity<T extends { readonly spiffeId: string; readonly issuedAt: string }>(certs: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const c of certs) {
    const seen = newest.get(c.spiffeId);
    if (!seen || Date.parse(c.issuedAt) >= Date.parse(seen.issuedAt)) newest.set(c.spiffeId, c);
  }
  return [...newest.values()];
}

export function identityView(input: IdentityViewInput): IdentityView {
  const now = input.now.getTime();
  const chained = chain(input);
  return {
    kind: 'IdentityStatus',
    ...(input.trustDomain !== undefined ? { trustDomain: input.trustDomain } : {}),
    ...(input.workloadTtlMs !== undefined ? { workloadTtlMs: input.workloadTtlMs } : {}),
    trustAnchors: input.roots.map(certificateView),
    issuer: {
      ...certificateView(input.issuer),
      issuedBy: dn(input.issuer.issuer),
      chainsToTrustAnchor: chained.ok,
      ...(chained.ok ? {} : { chainProblem: chained.message }),
    },
    intermediates: input.intermediates.map(certificateView),
    workloadCertificates: input.records.filter((r) => Date.parse(r.notAfter) > now).sort((a, b) => Date.parse(a.issuedAt) - Date.parse(b.issuedAt)).map(workloadView),
    lapsed: newestPerIdentity(input.records).filter((r) => Date.parse(r.notAfter) <= now).map(workloadView),
  };
}
