// The identity service's signing step, without transport: authenticate the caller's credential, check its CSR against that identity, issue, record.
import { bundlePem, DEFAULT_LEAF_TTL_MS, issueSvid, MIN_LEAF_TTL_MS, type CertificateAuthority, type IssuedSvid, type WorkloadIdentity } from '../../pki/index.ts';
import { caSource, type CaSource } from './ca-source.ts';
import type { IssuanceLog } from './issuance-log.ts';
import type { Authentication, WorkloadAuthenticator } from './tokens.ts';

export interface SignRequest {
  /** The workload credential (a `weft token create` token in universal mode). */
  readonly credential: string;
  /** The proxy's PKCS#10 CSR, PEM. Its key stays with the proxy. */
  readonly csrPem: string;
  /** Requested lifetime; the configured one when absent or longer. */
  readonly ttlMs?: number;
}

export interface SignResponse {
  readonly identity: WorkloadIdentity;
  /** Leaf then intermediates, PEM. */
  readonly certificateChainPem: string;
  /** The roots to verify peers with, PEM (several during a root rotation). */
  readonly trustBundlePem: string;
  readonly serialNumber: string;
  readonly notAfter: Date;
}

export interface SignerOptions {
  /** Workload certificate lifetime (MeshConfig), the most a caller gets; default 24 h. */
  readonly ttlMs?: number;
  /** The shortest lifetime accepted; default 1 minute (rotation tests lower it). */
  readonly minTtlMs?: number;
  /** Where issued certificates are recorded (renewals look them up). */
  readonly log?: IssuanceLog;
  readonly now?: () => Date;
}

/**
 * Signs workload CSRs. Order matters: the credential is verified, the CSR is checked against the
 * identity it proves (a mismatch is refused and does not consume the credential), the certificate
 * is signed, and only then is the credential consumed — a certificate signed for a request that
 * loses the race for a single-use token is dropped, never returned.
 */
export class IdentitySigner {
  readonly #ca: CaSource;
  readonly #authenticator: WorkloadAuthenticator;
  readonly #options: SignerOptions;

  /** `ca` may rotate (a RotatingCa): each signing uses the issuer and bundle of the moment. */
  constructor(ca: CertificateAuthority | CaSource, authenticator: WorkloadAuthenticator, options: SignerOptions = {}) {
    this.#ca = caSource(ca);
    this.#authenticator = authenticator;
    this.#options = options;
  }

  get ca(): CertificateAuthority {
    return this.#ca.view.ca;
  }

  async sign(request: SignRequest): Promise<SignResponse> {
    return this.signAuthenticated(await this.#authenticator.authenticate(request.credential), request.csrPem, request.ttlMs, 'token');
  }

  /** Signs for an identity proven some other way (a renewal's client certificate). */
  async signAuthenticated(auth: Authentication, csrPem: string, ttlMs: number | undefined, via: 'token' | 'renewal'): Promise<SignResponse> {
    const now = this.#options.now?.() ?? new Date();
    // One view for the whole signing: a rotation step in between must not mix issuer and bundle.
    const ca = this.#ca.view.ca;
    const granted = Math.min(ttlMs ?? Infinity, this.#options.ttlMs ?? DEFAULT_LEAF_TTL_MS);
    const svid: IssuedSvid = await issueSvid(ca, csrPem, auth.identity, { ttlMs: granted, minTtlMs: this.#options.minTtlMs ?? MIN_LEAF_TTL_MS, now });
    await auth.commit();
    await this.#options.log?.record({
      serial: svid.serialNumber,
      spiffeId: auth.identity.id,
      issuedAt: now.toISOString(),
      notAfter: svid.notAfter.toISOString(),
      lineage: auth.lineage,
      via,
      issuer: ca.issuer.fingerprint256,
      ...(auth.replaces !== undefined ? { replaces: auth.replaces } : {}),
    });
    return {
      identity: auth.identity,
      certificateChainPem: svid.chainPem,
      trustBundlePem: bundlePem(ca.bundle),
      serialNumber: svid.serialNumber,
      notAfter: svid.notAfter,
    };
  }
}
