// Builds and checks the path from a certificate through presented intermediates to a trust anchor: names, signatures, CA flags, lifetimes, key strength.
import type { X509Certificate } from 'node:crypto';
import { canSignCertificates, certFacts, type CertFacts } from './facts.ts';

export type ChainReason =
  | 'expired'
  | 'not-yet-valid'
  | 'weak-key'
  | 'weak-signature'
  | 'unknown-critical-extension'
  | 'incomplete-chain'
  | 'untrusted-root'
  | 'bad-signature'
  | 'issuer-not-ca'
  | 'chain-too-long'
  | 'path-length-exceeded';

export interface Refusal<R extends string> {
  readonly ok: false;
  readonly reason: R;
  readonly message: string;
}

export type ChainResult =
  | { readonly ok: true; readonly path: readonly X509Certificate[] }
  | Refusal<ChainReason>;

/** Leaf + intermediates + root: deeper paths are refused (Weft's own CA uses 3). */
const MAX_PATH = 5;
const WEAK_HASHES = new Set(['MD5', 'SHA-1']);

export function refuse<R extends string>(reason: R, message: string): Refusal<R> {
  return { ok: false, reason, message };
}

/** Checks every certificate must pass, leaf or CA: lifetime at `now`, key strength, signature hash, critical extensions. */
export function certificateProblem(cert: X509Certificate, facts: CertFacts, now: Date, what: string): Refusal<ChainReason> | undefined {
  if (now < cert.validFromDate) return refuse('not-yet-valid', `${what} is not valid before ${cert.validFromDate.toISOString()}`);
  if (now > cert.validToDate) return refuse('expired', `${what} expired at ${cert.validToDate.toISOString()}`);
  if (facts.weakKey) return refuse('weak-key', `${what} has a weak or unsupported key: ${facts.weakKey}`);
  if (WEAK_HASHES.has(facts.signatureHash)) return refuse('weak-signature', `${what} is signed with ${facts.signatureHash}`);
  if (facts.unknownCritical.length > 0) {
    return refuse('unknown-critical-extension', `${what} has critical extensions Weft does not enforce: ${facts.unknownCritical.join(', ')}`);
  }
  return undefined;
}

/** A distinguished name for messages; node reports an empty one as undefined despite its type. */
function dn(name: string | undefined): string {
  return name ? `"${name.replaceAll('\n', ', ')}"` : 'an empty name';
}

function describe(cert: X509Certificate): string {
  return cert.subject ? dn(cert.subject) : `serial ${cert.serialNumber}`;
}

/** Whether `cert` names itself as issuer and its signature verifies with its own key (a root). */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.issuer === cert.subject && cert.verify(cert.publicKey);
}

function sameCert(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

/**
 * Walks from `start` to one of `roots`. `presented` are the peer's other certificates (order-free;
 * a copy of a root among them is ignored — only `roots` anchor trust). Checks `start` itself only
 * for signature and path; its profile (leaf or CA) is the caller's business.
 */
export function verifyChain(start: X509Certificate, presented: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): ChainResult {
  const path: X509Certificate[] = [start];
  // CA certificates below the next issuer, for its pathLenConstraint.
  let casBelow = certFacts(start).isCa ? 1 : 0;
  let current = start;
  for (;;) {
    const anchors = roots.filter((r) => r.subject === current.issuer);
    const intermediates = presented.filter((c) => c.subject === current.issuer && !path.some((p) => sameCert(p, c)) && !roots.some((r) => sameCert(r, c)));
    const issuer = [...anchors, ...intermediates].find((c) => current.verify(c.publicKey));
    if (!issuer) {
      if (anchors.length + intermediates.length > 0) return refuse('bad-signature', `the signature of ${describe(current)} does not verify with the key of its issuer ${describe(anchors[0] ?? intermediates[0])}`);
      if (isSelfSigned(current)) return refuse('untrusted-root', `the chain ends at the root ${describe(current)}, which is not in the trust bundle`);
      if (current === start) return refuse('incomplete-chain', `the issuer ${dn(current.issuer)} of ${describe(current)} is neither presented nor in the trust bundle (an intermediate is missing, or the CA is foreign)`);
      return refuse('untrusted-root', `the chain ends at ${describe(current)}, whose issuer ${dn(current.issuer)} is not in the trust bundle`);
    }
    const facts = certFacts(issuer);
    const isRoot = anchors.includes(issuer);
    const what = `${isRoot ? 'the trust anchor' : 'the intermediate'} ${describe(issuer)}`;
    if (!canSignCertificates(facts)) return refuse('issuer-not-ca', `${what} is not a CA (basicConstraints cA=true and keyCertSign are required to issue)`);
    const problem = certificateProblem(issuer, facts, now, what);
    if (problem) return problem;
    if (facts.pathLength !== undefined && casBelow > facts.pathLength) {
      return refuse('path-length-exceeded', `${what} allows ${facts.pathLength} CA certificates below it, the chain has ${casBelow}`);
    }
    casBelow++;
    path.push(issuer);
    if (path.length > MAX_PATH) return refuse('chain-too-long', `the chain is longer than ${MAX_PATH} certificates`);
    if (isRoot) return { ok: true, path };
    current = issuer;
  }
}
