// Renewal over mutual TLS: the caller's current, still-valid certificate proves its identity (as SPIRE agents renew), if this CA issued it and its token was not revoked.
import type { X509Certificate } from 'node:crypto';
import { WeftError } from '../../core/index.ts';
import { verifyLeaf, type CertificateAuthority } from '../../pki/index.ts';
import { caSource, type CaSource } from './ca-source.ts';
import type { IssuanceLog } from './issuance-log.ts';
import type { Authentication } from './tokens.ts';

function refused(message: string): WeftError {
  return new WeftError('WEFT_CERT_INVALID', `renewal refused: ${message}; bootstrap again with a workload token`);
}

export interface RevocationCheck {
  isRevoked(lineage: string): Promise<boolean>;
}

/**
 * Authenticates a renewal by the client certificate of the TLS connection. OpenSSL verified the
 * chain against the trust bundle before the call got here; this adds the X.509-SVID profile, that
 * the current issuer signed it, that the issuance log knows its serial (so a certificate this
 * control plane did not record cannot renew), and that the token it descends from is not revoked
 * — revoking a token therefore cuts a workload off within one certificate lifetime.
 */
export class RenewalAuthenticator {
  readonly #ca: CaSource;
  readonly #log: IssuanceLog;
  readonly #revocations: RevocationCheck;

  constructor(ca: CertificateAuthority | CaSource, log: IssuanceLog, revocations: RevocationCheck) {
    this.#ca = caSource(ca);
    this.#log = log;
    this.#revocations = revocations;
  }

  async authenticate(leaf: X509Certificate, now: Date = new Date()): Promise<Authentication> {
    const view = this.#ca.view;
    const profile = verifyLeaf(leaf, view.ca.bundle, { role: 'client', now });
    if (!profile.ok) throw refused(`the client certificate is not a valid SVID [${profile.reason}]: ${profile.message}`);
    // While a root rotates, leaves of the old and the new issuer both renew (onto the signing one).
    if (!view.issuers.some((issuer) => leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey))) throw refused('the client certificate was not signed by this control plane\'s current issuer');
    const record = this.#log.find(leaf.serialNumber);
    if (record === undefined || record.spiffeId !== profile.identity.id) throw refused(`the certificate serial ${leaf.serialNumber} is not in this control plane's issuance log`);
    if (await this.#revocations.isRevoked(record.lineage)) {
      throw new WeftError('WEFT_TOKEN_INVALID', `workload token refused [revoked]: the certificate descends from the token ${record.lineage}, which was revoked`);
    }
    return { identity: profile.identity, lineage: record.lineage, commit: async () => {}, replaces: leaf.serialNumber };
  }
}
