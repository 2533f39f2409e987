// The CA side of issuance: check a CSR against the identity its caller is authorised for, and sign an X.509-SVID.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { WeftError } from '../core/index.ts';
import type { CertificateAuthority } from './ca.ts';
import { certFacts, OID } from './facts.ts';
import { spkiOf } from './keys.ts';
import type { WorkloadIdentity } from './spiffe.ts';
import { P256_SHA256, randomSerial, subjectName, toNodeCertificate, x509 } from './x509.ts';

const MINUTE_MS = 60 * 1000;

export interface IssueOptions {
  /** Leaf lifetime. Default 24 h; at least 1 minute, at most 30 days; cut to the issuer's own expiry. */
  readonly ttlMs?: number;
  /** How far notBefore is set in the past, for peers whose clock lags. Default 5 minutes. */
  readonly backdateMs?: number;
  /** The shortest lifetime accepted. Default 1 minute; rotation tests lower it to seconds. */
  readonly minTtlMs?: number;
  readonly now?: Date;
}

export const DEFAULT_LEAF_TTL_MS = 24 * 60 * MINUTE_MS;
export const MIN_LEAF_TTL_MS = MINUTE_MS;
export const MAX_LEAF_TTL_MS = 30 * 24 * 60 * MINUTE_MS;
export const DEFAULT_BACKDATE_MS = 5 * MINUTE_MS;

export interface IssuedSvid {
  readonly identity: WorkloadIdentity;
  readonly certificate: X509Certificate;
  /** Leaf then intermediates, PEM: what the proxy serves (`certificate_chain` of an SDS Secret). */
  readonly chainPem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function csrError(message: string): WeftError {
  return new WeftError('WEFT_CSR_INVALID', message);
}

/** Checks `ttlMs` for a config field; throws WEFT_CONFIG_INVALID naming `path`. */
export function checkLeafTtl(ttlMs: number, path = 'ttl', minMs = MIN_LEAF_TTL_MS): number {
  if (!Number.isFinite(ttlMs) || ttlMs < minMs || ttlMs > MAX_LEAF_TTL_MS) {
    const floor = minMs === MIN_LEAF_TTL_MS ? '1 minute' : `${minMs} ms`;
    throw new WeftError('WEFT_CONFIG_INVALID', `a workload certificate lifetime is between ${floor} and 30 days, got ${ttlMs} ms`, { path });
  }
  return ttlMs;
}

/**
 * Issues an X.509-SVID for `authorised` — the identity the caller proved (its token), never what
 * the CSR claims: a CSR whose URI SAN differs is refused (RELIABILITY.md B4). The CSR's key must be
 * ECDSA P-256 and its signature must verify (proof the caller holds the key).
 */
export async function issueSvid(ca: CertificateAuthority, csrPem: string, authorised: WorkloadIdentity, options: IssueOptions = {}): Promise<IssuedSvid> {
  const now = options.now ?? new Date();
  const minTtlMs = options.minTtlMs ?? MIN_LEAF_TTL_MS;
  const ttlMs = checkLeafTtl(options.ttlMs ?? DEFAULT_LEAF_TTL_MS, 'ttl', minTtlMs);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw csrError('the CSR is not a PKCS#10 request in PEM or DER');
  }
  const spki = Buffer.from(csr.publicKey.rawData);
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const curve = publicKey.asymmetricKeyDetails?.namedCurve;
  if (publicKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw csrError(`the CSR's key is ${publicKey.asymmetricKeyType}${curve ? ` ${curve}` : ''}; workload keys are ECDSA P-256`);
  }
  if (!(await csr.verify())) throw csrError('the CSR signature does not verify: the request was altered or not signed by its key');
  // Pkcs10CertificateRequest.getExtension takes an OID string only (ecosystem.md §5).
  const sanExtension = csr.getExtension(OID.subjectAltName);
  const names = sanExtension ? new x509.SubjectAlternativeNameExtension(sanExtension.rawData).names.items : [];
  if (names.length !== 1 || names[0].type !== 'url') {
    throw csrError(`a workload CSR carries exactly one SAN, the URI of its SPIFFE ID; this one has ${names.length === 0 ? 'none' : names.map((n) => n.type).join(', ')}`);
  }
  if (names[0].value !== authorised.id) {
    throw new WeftError('WEFT_IDENTITY_DENIED', `the CSR asks for ${JSON.stringify(names[0].value)} but the caller is authorised for ${authorised.id} only`);
  }
  if (authorised.trustDomain !== ca.trustDomain) {
    throw new WeftError('WEFT_IDENTITY_DENIED', `${authorised.id} is not in this CA's trust domain "${ca.trustDomain}"`);
  }

  const issuer = ca.issuer;
  const notBefore = new Date(Math.max(now.getTime() - (options.backdateMs ?? DEFAULT_BACKDATE_MS), issuer.validFromDate.getTime()));
  // A leaf never outlives its issuer (the chain would fail at the issuer's expiry anyway).
  const notAfter = new Date(Math.min(now.getTime() + ttlMs, issuer.validToDate.getTime()));
  if (notAfter.getTime() - now.getTime() < minTtlMs) {
    throw new WeftError('WEFT_CONFIG_INVALID', `the CA issuer "${issuer.subject}" expires at ${issuer.validToDate.toISOString()}: renew or replace it`, { path: 'CA' });
  }
  const issuerKeyId = certFacts(issuer).subjectKeyId;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: '',
    issuer: subjectName(issuer),
    notBefore,
    notAfter,
    publicKey: spki,
    signingKey: await ca.signingKey(),
    signingAlgorithm: P256_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // digitalSignature only: TLS 1.3 (and ECDHE in 1.2) uses the static key to sign, never for key agreement.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      // Critical because the subject is empty (RFC 5280 §4.2.1.6).
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: authorised.id }], true),
      await x509.SubjectKeyIdentifierExtension.create(spki),
      issuerKeyId ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId) : await x509.AuthorityKeyIdentifierExtension.create(spkiOf(issuer.publicKey)),
    ],
  });
  const certificate = toNodeCertificate(leaf);
  return {
    identity: authorised,
    certificate,
    chainPem: certificate.toString() + ca.issuerChainPem(),
    serialNumber: certificate.serialNumber,
    notBefore: certificate.validFromDate,
    notAfter: certificate.validToDate,
  };
}
