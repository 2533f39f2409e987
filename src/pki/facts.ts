// The facts of a certificate that Weft's checks read: CA flag, key usages, EKUs, SANs, key strength, signature hash, critical extensions.
import type { X509Certificate } from 'node:crypto';
import { WeftError } from '../core/index.ts';
import { x509 } from './x509.ts';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Extensions whose meaning Weft enforces; any other critical extension is refused (RFC 5280 §4.2). */
const UNDERSTOOD = new Set<string>([OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.subjectKeyId, OID.authorityKeyId]);

export const KeyUsage = x509.KeyUsageFlags;

export interface CertFacts {
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint: how many CA certificates may follow below this one. */
  readonly pathLength: number | undefined;
  /** Key usage bits, or undefined when the extension is absent. */
  readonly keyUsage: number | undefined;
  /** Extended key usage OIDs, or undefined when the extension is absent (any purpose). */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly uriSans: readonly string[];
  /** SAN entries of other types (DNS, IP, e-mail …). */
  readonly otherSans: number;
  readonly hasSanExtension: boolean;
  /** Why the public key is too weak or of an unsupported kind, or undefined when it is acceptable. */
  readonly weakKey: string | undefined;
  /** The signature's hash algorithm, e.g. "SHA-256". */
  readonly signatureHash: string;
  readonly unknownCritical: readonly string[];
  readonly subjectKeyId: string | undefined;
}

/** Why a key is not acceptable in a chain: ECDSA P-256 / P-384, or RSA of at least 2048 bits (for brought CAs). */
export function keyWeakness(cert: X509Certificate): string | undefined {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve;
    return curve === 'prime256v1' || curve === 'secp384r1' ? undefined : `ECDSA curve ${curve ?? 'unknown'} (P-256 or P-384 required)`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048 ? undefined : `RSA-${bits} (at least 2048 bits required)`;
  }
  return `${key.asymmetricKeyType ?? 'unknown'} key (ECDSA P-256 expected)`;
}

// Parsing extensions costs ~1 ms; peers present the same few intermediates and leaves on every
// connection, so facts are kept by certificate fingerprint (SHA-256 of the DER), least recent out.
const CACHE_SIZE = 1024;
const cache = new Map<string, CertFacts>();

/** The facts of `cert`; throws WEFT_CERT_INVALID when its extensions cannot be decoded. */
export function certFacts(cert: X509Certificate): CertFacts {
  const fingerprint = cert.fingerprint256;
  let facts = cache.get(fingerprint);
  if (facts) {
    cache.delete(fingerprint);
  } else {
    try {
      facts = parseFacts(cert);
    } catch (err) {
      throw new WeftError('WEFT_CERT_INVALID', `the certificate with serial ${cert.serialNumber} has extensions that cannot be decoded`, { cause: err });
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(fingerprint, facts);
  return facts;
}

function parseFacts(cert: X509Certificate): CertFacts {
  const parsed = new x509.X509Certificate(cert.raw);
  const bc = parsed.getExtension(x509.BasicConstraintsExtension);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension);
  const names = san?.names.items ?? [];
  return {
    isCa: bc?.ca === true,
    pathLength: bc?.pathLength,
    keyUsage: ku?.usages,
    extKeyUsage: eku ? Array.from(eku.usages, String) : undefined,
    uriSans: names.filter((n) => n.type === 'url').map((n) => n.value),
    otherSans: names.filter((n) => n.type !== 'url').length,
    hasSanExtension: san !== null,
    weakKey: keyWeakness(cert),
    signatureHash: parsed.signatureAlgorithm.hash?.name ?? 'unknown',
    unknownCritical: parsed.extensions.filter((e) => e.critical && !UNDERSTOOD.has(e.type)).map((e) => e.type),
    subjectKeyId: ski?.keyId,
  };
}

/** Whether the certificate may sign certificates: cA=true and, when key usage is present, keyCertSign. */
export function canSignCertificates(facts: CertFacts): boolean {
  return facts.isCa && (facts.keyUsage === undefined || (facts.keyUsage & KeyUsage.keyCertSign) !== 0);
}
