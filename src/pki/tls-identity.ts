// SPIFFE checks for node:tls: a checkServerIdentity that verifies the server's SPIFFE ID (node's default rejects URI-only SANs), and the peer identity of a socket.
import type { PeerCertificate, DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { TrustBundle } from './bundle.ts';
import type { SpiffeId } from './spiffe.ts';
import { peerError, verifyPeer, type PeerRole, type PeerVerification } from './verify.ts';
import { refuse } from './chain.ts';

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

/** Verifies the peer of a connected TLS socket; `role` is what the peer is (a server verifies a 'client'). */
export function verifySocketPeer(socket: TLSSocket, bundle: TrustBundle, role: PeerRole, now?: Date): PeerVerification {
  const cert = socket.getPeerCertificate(true);
  if (!cert || !cert.raw) return refuse('no-certificate', 'the peer sent no certificate');
  return verifyPeer(peerChainDer(cert), bundle, { role, now });
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
