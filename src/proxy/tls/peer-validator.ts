// Checks a peer's certificate as an X.509-SVID (src/pki) against a validation context: the trust
// anchors, the trust domain (pinned by the SPIFFE validator), the SAN matchers and — the EDS seam —
// the identity announced for an upstream endpoint.
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import {
  peerChainDer, peerError, verifyPeer, verifySocketPeer,
  type PeerRefusalReason, type PeerVerification, type SpiffeId, type TrustBundle, type TrustDomain, type WorkloadIdentity,
} from '../../pki/index.ts';
import type { SanMatcher, ValidationMaterial } from './material.ts';

export type PeerCheck = { readonly ok: true; readonly identity: WorkloadIdentity } | { readonly ok: false; readonly reason: PeerRefusalReason; readonly message: string };

const SPIFFE_TD = /(?:^|, )URI:spiffe:\/\/([^/,]*)/;

/**
 * With a plain trusted_ca the trust domain is not pinned: the peer is checked in its own trust
 * domain (taken from its URI SAN), and SAN matchers are what restricts it — as Istio's Envoy configs do.
 */
function bundleFor(material: ValidationMaterial, cert: PeerCertificate | undefined): TrustBundle {
  if (material.pinnedTrustDomain) return material.bundle;
  const td = SPIFFE_TD.exec(cert?.subjectaltname ?? '')?.[1] ?? '';
  return { trustDomain: td as TrustDomain, roots: material.bundle.roots };
}

function matches(id: string, matchers: readonly SanMatcher[]): boolean {
  if (matchers.length === 0) return true;
  for (const m of matchers) {
    if ('exact' in m ? id === m.exact : id.startsWith(m.prefix)) return true;
  }
  return false;
}

function afterChain(result: PeerVerification, material: ValidationMaterial, expected: readonly SpiffeId[] | null): PeerCheck {
  if (!result.ok) return result;
  const id = result.identity.id;
  if (!matches(id, material.sanMatchers) || !matches(id, material.extraSanMatchers ?? [])) {
    return { ok: false, reason: 'unexpected-identity', message: `the peer is ${id}, which no match_typed_subject_alt_names matcher accepts` };
  }
  if (expected !== null && !expected.includes(id)) {
    return { ok: false, reason: 'unexpected-identity', message: `the peer is ${id}, the endpoint was announced as ${expected.join(' or ')}` };
  }
  return result;
}

/** Server side: the client of a handshake that completed (OpenSSL checked the chain against `material.caPem`). */
export function checkClient(socket: TLSSocket, material: ValidationMaterial): PeerCheck {
  const cert = socket.getPeerCertificate(false) as PeerCertificate | undefined;
  return afterChain(verifySocketPeer(socket, bundleFor(material, cert), 'client'), material, null);
}

/** Client side: a `checkServerIdentity` for tls.connect. The host name is ignored: the identity is the SPIFFE ID. */
export function serverIdentityCheck(material: ValidationMaterial, expected: readonly SpiffeId[] | null): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const result = afterChain(verifyPeer(peerChainDer(cert as DetailedPeerCertificate), bundleFor(material, cert), { role: 'server' }), material, expected);
    return result.ok ? undefined : peerError(result);
  };
}
