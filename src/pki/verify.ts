// Verifies a peer's X.509-SVID chain against a trust bundle and yields its SPIFFE ID, or a refusal with a stable reason code (RELIABILITY.md B1).
import { X509Certificate } from 'node:crypto';
import { isWeftError, WeftError } from '../core/index.ts';
import type { TrustBundle } from './bundle.ts';
import { certificateProblem, refuse, verifyChain, type ChainReason, type Refusal } from './chain.ts';
import { certFacts, KeyUsage, OID } from './facts.ts';
import { parseWorkloadId, spiffeIdProblem, workloadIdProblem, type WorkloadIdentity } from './spiffe.ts';

export type PeerRefusalReason =
  | ChainReason
  | 'malformed'
  | 'no-certificate'
  | 'no-san'
  | 'no-uri-san'
  | 'multiple-uri-sans'
  | 'not-spiffe'
  | 'bad-spiffe-id'
  | 'not-workload-id'
  | 'wrong-trust-domain'
  | 'leaf-is-ca'
  | 'leaf-can-sign'
  | 'no-digital-signature'
  | 'wrong-purpose'
  | 'unexpected-identity'
  | 'chain-unverified';

export type PeerVerification =
  | { readonly ok: true; readonly identity: WorkloadIdentity }
  | Refusal<PeerRefusalReason>;

/** Which side the peer is: its certificate must allow serverAuth, or clientAuth, when it lists EKUs. */
export type PeerRole = 'server' | 'client';

export interface VerifyOptions {
  readonly role: PeerRole;
  readonly now?: Date;
}

/**
 * Checks a leaf against the X.509-SVID profile and the bundle's trust domain, and returns its
 * identity — without the chain: for when OpenSSL has verified the chain already (see tls-identity.ts).
 */
export function verifyLeaf(leaf: X509Certificate, bundle: TrustBundle, options: VerifyOptions): PeerVerification {
  const now = options.now ?? new Date();
  let facts;
  try {
    facts = certFacts(leaf);
  } catch (err) {
    return refuse('malformed', (err as Error).message);
  }
  if (facts.isCa) return refuse('leaf-is-ca', 'the peer certificate is a CA certificate (basicConstraints cA=true); an SVID must not be one');
  if (facts.keyUsage !== undefined) {
    if ((facts.keyUsage & (KeyUsage.keyCertSign | KeyUsage.cRLSign)) !== 0) return refuse('leaf-can-sign', 'the peer certificate has keyCertSign or cRLSign; an SVID must not sign certificates');
    if ((facts.keyUsage & KeyUsage.digitalSignature) === 0) return refuse('no-digital-signature', 'the peer certificate lacks keyUsage digitalSignature, which an SVID requires');
  }
  const purpose = options.role === 'server' ? OID.serverAuth : OID.clientAuth;
  if (facts.extKeyUsage !== undefined && !facts.extKeyUsage.includes(purpose)) {
    return refuse('wrong-purpose', `the peer certificate's extended key usage does not allow ${options.role === 'server' ? 'serverAuth' : 'clientAuth'}`);
  }
  if (!facts.hasSanExtension) return refuse('no-san', 'the peer certificate has no subjectAltName; an SVID carries its SPIFFE ID as a URI SAN');
  if (facts.uriSans.length === 0) return refuse('no-uri-san', 'the peer certificate has no URI SAN (DNS or other names only); an SVID carries exactly one spiffe:// URI');
  if (facts.uriSans.length > 1) return refuse('multiple-uri-sans', `the peer certificate has ${facts.uriSans.length} URI SANs; an SVID has exactly one`);
  const uri = facts.uriSans[0];
  if (!uri.startsWith('spiffe://')) return refuse('not-spiffe', `the peer's URI SAN ${JSON.stringify(uri)} is not a SPIFFE ID`);
  const idProblem = spiffeIdProblem(uri);
  if (idProblem) return refuse('bad-spiffe-id', `the peer's URI SAN ${JSON.stringify(uri)} is not a valid SPIFFE ID: ${idProblem}`);
  const workloadProblem = workloadIdProblem(uri);
  if (workloadProblem) return refuse('not-workload-id', `the peer's SPIFFE ID ${uri} is not a workload ID: ${workloadProblem}`);
  const identity = parseWorkloadId(uri);
  if (identity.trustDomain !== bundle.trustDomain) {
    return refuse('wrong-trust-domain', `the peer's SPIFFE ID ${uri} is in trust domain "${identity.trustDomain}", this mesh trusts "${bundle.trustDomain}"`);
  }
  const problem = certificateProblem(leaf, facts, now, 'the peer certificate');
  if (problem) return problem;
  return { ok: true, identity };
}

/**
 * Verifies `chain` (the peer's leaf first, then what it presented; order of the rest is free)
 * against `bundle`. Every refusal has a stable `reason` and a message saying what is wrong.
 */
export function verifyPeer(chain: readonly (X509Certificate | Buffer | string)[], bundle: TrustBundle, options: VerifyOptions): PeerVerification {
  if (chain.length === 0) return refuse('no-certificate', 'the peer sent no certificate');
  let certs: X509Certificate[];
  try {
    certs = chain.map((c) => (c instanceof X509Certificate ? c : new X509Certificate(c)));
  } catch {
    return refuse('malformed', 'a certificate of the peer chain is not valid X.509');
  }
  const now = options.now ?? new Date();
  const [leaf, ...presented] = certs;
  const profile = verifyLeaf(leaf, bundle, { ...options, now });
  if (!profile.ok) return profile;
  try {
    const path = verifyChain(leaf, presented, bundle.roots, now);
    return path.ok ? profile : path;
  } catch (err) {
    if (isWeftError(err) && err.code === 'WEFT_CERT_INVALID') return refuse('malformed', `a CA of the chain is malformed: ${err.message}`);
    throw err;
  }
}

/** `verifyPeer` that throws WEFT_CERT_INVALID with the reason in brackets, for callers that cannot carry a result. */
export function assertPeer(chain: readonly (X509Certificate | Buffer | string)[], bundle: TrustBundle, options: VerifyOptions): WorkloadIdentity {
  const result = verifyPeer(chain, bundle, options);
  if (!result.ok) throw peerError(result);
  return result.identity;
}

export function peerError(refusal: Refusal<PeerRefusalReason>): WeftError {
  return new WeftError('WEFT_CERT_INVALID', `peer certificate refused [${refusal.reason}]: ${refusal.message}`);
}
