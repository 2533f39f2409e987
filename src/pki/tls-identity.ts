// SPIFFE checks for node:tls: a checkServerIdentity that verifies the server's SPIFFE ID (node's default rejects URI-only SANs), and the peer identity of a socket.
import type { PeerCertificate, DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { TrustBundle } from './bundle.ts';
import type { SpiffeId } from './spiffe.ts';
import { X509Certificate } from 'node:crypto';
import { peerError, verifyLeaf, verifyPeer, type PeerRole, type PeerVerification } from './verify.ts';
import { refuse, type ChainReason } from './chain.ts';

/** The DER chain of a peer certificate as node:tls reports it (leaf first, following issuerCertificate). */
export function peerChainDer(cert: PeerCertificate | DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let current: PeerCertificate | undefined = cert;
  while (current?.raw && !chain.some((c) => c.equals(current!.raw))) {
    chain.push(current.raw);
    current = (current as DetailedPeerCertificate).issuerCertificate;
  }
  return chain;
}

// OpenSSL verification errors (socket.authorizationError) as Weft's reasons.
const OPENSSL_REASONS: Readonly<Record<string, ChainReason>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  CERT_SIGNATURE_FAILURE: 'bad-signature',
  UNABLE_TO_GET_ISSUER_CERT: 'incomplete-chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'incomplete-chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'incomplete-chain',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted-root',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted-root',
  INVALID_CA: 'issuer-not-ca',
  PATH_LENGTH_EXCEEDED: 'path-length-exceeded',
  CERT_CHAIN_TOO_LONG: 'chain-too-long',
  EE_KEY_TOO_SMALL: 'weak-key',
  CA_KEY_TOO_SMALL: 'weak-key',
  CA_MD_TOO_WEAK: 'weak-signature',
};

/**
 * Verifies the peer of a connected TLS socket; `role` is what the peer is (a server verifies a
 * 'client'). Where node reports the peer's whole chain (the client side) every check runs here.
 * On the server side node reports the client's leaf only, so the chain is OpenSSL's verdict
 * (`socket.authorized`) — the server's context must then trust exactly `bundlePem(bundle)` as `ca`.
 */
export function verifySocketPeer(socket: TLSSocket, bundle: TrustBundle, role: PeerRole, now?: Date): PeerVerification {
  const cert = socket.getPeerCertificate(true);
  if (!cert || !cert.raw) return refuse('no-certificate', 'the peer sent no certificate');
  const chain = peerChainDer(cert);
  if (chain.length > 1) return verifyPeer(chain, bundle, { role, now });
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown');
    return refuse(OPENSSL_REASONS[code] ?? 'chain-unverified', `the peer chain failed verification: ${code}`);
  }
  return verifyLeaf(new X509Certificate(chain[0]), bundle, { role, now });
}

/**
 * A `checkServerIdentity` for tls.connect: accepts the server only when its chain passes the SVID
 * checks against `bundle` and its SPIFFE ID is `expected` (the identity the control plane announced
 * for the endpoint). The hostname is deliberately ignored: the identity is the SPIFFE ID.
 */
export function spiffeServerIdentity(expected: SpiffeId | readonly SpiffeId[], bundle: TrustBundle, now?: () => Date): (hostname: string, cert: PeerCertificate) => Error | undefined {
  const allowed: readonly SpiffeId[] = typeof expected === 'string' ? [expected] : expected;
  return (_hostname, cert) => {
    const result = verifyPeer(peerChainDer(cert), bundle, { role: 'server', now: now?.() });
    if (!result.ok) return peerError(result);
    if (!allowed.includes(result.identity.id)) {
      return peerError(refuse('unexpected-identity', `the server is ${result.identity.id}, expected ${allowed.join(' or ')}`));
    }
    return undefined;
  };
}
