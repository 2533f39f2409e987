// The identity service's signing step, without transport: authenticate the caller's credential, check its CSR against that identity, issue.
import { bundlePem, issueSvid, type CertificateAuthority, type WorkloadIdentity } from '../../pki/index.ts';
import type { WorkloadAuthenticator } from './tokens.ts';

export interface SignRequest {
  /** The workload credential (a `weft token create` token in universal mode). */
  readonly credential: string;
  /** The proxy's PKCS#10 CSR, PEM. Its key stays with the proxy. */
  readonly csrPem: string;
}

export interface SignResponse {
  readonly identity: WorkloadIdentity;
  /** Leaf then intermediates, PEM. */
  readonly certificateChainPem: string;
  /** The roots to verify peers with, PEM (several during a root rotation). */
  readonly trustBundlePem: string;
  readonly notAfter: Date;
}

export interface SignerOptions {
  /** Workload certificate lifetime (MeshConfig); default 24 h. */
  readonly ttlMs?: number;
  readonly now?: () => Date;
}

/**
 * Signs workload CSRs. Order matters: the credential is verified, the CSR is checked against the
 * identity it proves (a mismatch is refused and does not consume the credential), the certificate
 * is signed, and only then is the credential consumed — a certificate signed for a request that
 * loses the race for a single-use token is dropped, never returned.
 */
export class IdentitySigner {
  readonly #ca: CertificateAuthority;
  readonly #authenticator: WorkloadAuthenticator;
  readonly #options: SignerOptions;

  constructor(ca: CertificateAuthority, authenticator: WorkloadAuthenticator, options: SignerOptions = {}) {
    this.#ca = ca;
    this.#authenticator = authenticator;
    this.#options = options;
  }

  async sign(request: SignRequest): Promise<SignResponse> {
    const now = this.#options.now?.() ?? new Date();
    const { identity, commit } = await this.#authenticator.authenticate(request.credential);
    const svid = await issueSvid(this.#ca, request.csrPem, identity, { ttlMs: this.#options.ttlMs, now });
    await commit();
    return { identity, certificateChainPem: svid.chainPem, trustBundlePem: bundlePem(this.#ca.bundle), notAfter: svid.notAfter };
  }
}
