// A trust bundle: the root certificates of one trust domain; several roots at once is how a root rotates (overlapping bundle).
import { X509Certificate } from 'node:crypto';
import { WeftError } from '../core/index.ts';
import { certificateProblem, isSelfSigned } from './chain.ts';
import { canSignCertificates, certFacts } from './facts.ts';
import type { TrustDomain } from './spiffe.ts';
import { pemBlocks } from './x509.ts';

export interface TrustBundle {
  readonly trustDomain: TrustDomain;
  /** Trust anchors, each a self-signed CA certificate; never empty. */
  readonly roots: readonly X509Certificate[];
}

/** Why `cert` cannot be a trust anchor at `now`, or undefined. */
export function rootProblem(cert: X509Certificate, now: Date): string | undefined {
  let facts;
  try {
    facts = certFacts(cert);
  } catch {
    return 'its extensions cannot be decoded';
  }
  if (!canSignCertificates(facts)) return 'it is not a CA certificate (basicConstraints cA=true and keyCertSign are required)';
  if (!cert.subject) return 'its subject is empty (RFC 5280 requires a CA to have a name)';
  if (!isSelfSigned(cert)) return 'it is not self-signed (a trust anchor is a root certificate)';
  return certificateProblem(cert, facts, now, 'it')?.message;
}

/** Builds a bundle from root certificates: refuses an empty list and any certificate that is not a valid root; drops duplicates. */
export function trustBundle(trustDomain: TrustDomain, roots: readonly X509Certificate[], now: Date = new Date(), source = 'trust bundle'): TrustBundle {
  if (roots.length === 0) throw new WeftError('WEFT_CONFIG_INVALID', 'a trust bundle needs at least one root certificate', { path: source });
  const unique: X509Certificate[] = [];
  roots.forEach((root, i) => {
    const problem = rootProblem(root, now);
    if (problem) throw new WeftError('WEFT_CONFIG_INVALID', `certificate ${i + 1} (serial ${root.serialNumber}) cannot be a trust anchor: ${problem}`, { path: source });
    if (!unique.some((u) => u.raw.equals(root.raw))) unique.push(root);
  });
  return { trustDomain, roots: unique };
}

/**
 * The certificates of a PEM text, refusing any other PEM block and a text without certificates.
 * `source` names the file for the error.
 */
export function parsePemCertificates(pem: string, source: string): X509Certificate[] {
  const blocks = pemBlocks(pem);
  const other = blocks.find((b) => b.label !== 'CERTIFICATE');
  // Never quote the block: it may be a private key pasted into the wrong file.
  if (other) throw new WeftError('WEFT_CONFIG_INVALID', `a certificate file holds CERTIFICATE blocks only, found a "${other.label}" block`, { path: source });
  if (blocks.length === 0) throw new WeftError('WEFT_CONFIG_INVALID', 'no PEM certificate found (expected "-----BEGIN CERTIFICATE-----")', { path: source });
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b.pem);
    } catch (err) {
      throw new WeftError('WEFT_CONFIG_INVALID', `certificate ${i + 1} is not a valid X.509 certificate`, { path: source, cause: err });
    }
  });
}

/** Parses a PEM bundle (one or more CERTIFICATE blocks and nothing else). `source` names the file. */
export function parseTrustBundle(trustDomain: TrustDomain, pem: string, now: Date = new Date(), source = 'trust bundle'): TrustBundle {
  return trustBundle(trustDomain, parsePemCertificates(pem, source), now, source);
}

/** The bundle as PEM, roots in order, for proxies (SDS validation context) and `weft identity`. */
export function bundlePem(bundle: TrustBundle): string {
  return bundle.roots.map((r) => r.toString()).join('');
}

/** The union of two bundles of one trust domain: the overlap phase of a root rotation. */
export function mergeBundles(a: TrustBundle, b: TrustBundle): TrustBundle {
  if (a.trustDomain !== b.trustDomain) {
    throw new WeftError('WEFT_CONFIG_INVALID', `cannot merge the bundles of trust domains "${a.trustDomain}" and "${b.trustDomain}"`);
  }
  return { trustDomain: a.trustDomain, roots: [...a.roots, ...b.roots.filter((r) => !a.roots.some((x) => x.raw.equals(r.raw)))] };
}
