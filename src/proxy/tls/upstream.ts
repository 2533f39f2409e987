// TLS origination for one cluster (UpstreamTlsContext): every new upstream connection gets the
// current SecureContext (swapped when a secret rotates; open connections keep theirs), the
// cluster's ALPN and SNI, and a server check that verifies the SPIFFE ID, not only the chain.
// Without its certificate (the identity agent's expired) no connection is attempted and the open
// ones are closed: it fails closed.
import { Socket } from 'node:net';
import tls from 'node:tls';
import { WeftError } from '../../core/errors.ts';
import type { SpiffeId } from '../../pki/index.ts';
import { withSanMatchers, type CertificateMaterial, type SanMatcher, type ValidationMaterial } from './material.ts';
import { serverIdentityCheck } from './peer-validator.ts';
import type { SecretStore } from './secrets.ts';
import { OpenSessions } from './sessions.ts';
import type { TlsContextStatus } from './status.ts';

export interface UpstreamTlsSpec {
  readonly name: string;
  readonly certificate: string | null;
  readonly validation: string | null;
  /** Checked on top of the validation secret's own (combined_validation_context). */
  readonly sanMatchers: readonly SanMatcher[];
  readonly sni: string;
  /** ALPN offered: alpn_protocols, else h2 for HTTP/2 clusters and http/1.1 for HTTP/1.1 ones (as Envoy's pools do). */
  readonly alpn: readonly string[];
  readonly minVersion: tls.SecureVersion;
  readonly maxVersion: tls.SecureVersion;
}

export class UpstreamTls {
  readonly spec: UpstreamTlsSpec;
  private readonly secrets: SecretStore;
  private context!: tls.SecureContext;
  private certificate: CertificateMaterial | null = null;
  private validation: ValidationMaterial | null = null;
  private check: ((host: string, cert: tls.PeerCertificate) => Error | undefined) | null = null;
  /** Why no connection can be made now (a secret is absent); null while usable. */
  private missing: string | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  /**
   * Sessions made with this context: ended when its certificate goes. New trust anchors apply to
   * new handshakes only (Envoy's rule): re-verifying open sessions and retiring them mid-traffic
   * cost requests in a root rotation (B6), which a still-valid old-root peer does not justify.
   */
  private readonly sessions = new OpenSessions();

  constructor(spec: UpstreamTlsSpec, secrets: SecretStore) {
    this.spec = spec;
    this.secrets = secrets;
    this.rotate();
    const rotate = (): void => this.rotate();
    if (spec.certificate !== null) this.unsubscribe.push(secrets.subscribe(spec.certificate, rotate));
    if (spec.validation !== null) this.unsubscribe.push(secrets.subscribe(spec.validation, rotate));
  }

  /** Stops following secret rotations once its sessions are gone (see DownstreamTls.close). */
  close(): void {
    this.sessions.whenEmpty(() => {
      for (const stop of this.unsubscribe.splice(0)) stop();
    });
  }

  /**
   * Opens a TLS connection. `expected` is the identity announced for the endpoint (EDS metadata,
   * with the control plane), checked on top of the SAN matchers; null when nothing was announced.
   */
  connect(host: string, port: number, expected: readonly SpiffeId[] | null = null): tls.TLSSocket {
    if (this.missing !== null) return refusedSocket(this.missing);
    const validation = this.validation;
    const socket = tls.connect({
      host,
      port,
      secureContext: this.context,
      servername: this.spec.sni === '' ? undefined : this.spec.sni,
      ALPNProtocols: this.spec.alpn.length > 0 ? [...this.spec.alpn] : undefined,
      // Envoy's rule: without a validation context the server is not verified.
      rejectUnauthorized: validation !== null,
      checkServerIdentity: validation === null ? () => undefined : expected === null ? this.check! : serverIdentityCheck(validation, expected),
    }).setNoDelay(true);
    this.sessions.add(socket);
    return socket;
  }

  status(): TlsContextStatus {
    return {
      name: this.spec.name,
      chain: this.certificate?.chain ?? [], chainFiles: this.certificate?.files ?? [],
      roots: this.validation?.bundle.roots ?? [], rootFiles: this.validation?.files ?? [],
    };
  }

  private rotate(): void {
    this.certificate = this.spec.certificate === null ? null : this.secrets.certificate(this.spec.certificate);
    const validation = this.spec.validation === null ? null : this.secrets.validation(this.spec.validation);
    this.validation = validation === null ? null : withSanMatchers(validation, this.spec.sanMatchers);
    this.missing = this.spec.certificate !== null && this.certificate === null
      ? 'no workload certificate (the identity agent has none: not issued yet, or expired); mTLS fails closed'
      : this.spec.validation !== null && validation === null ? 'no trust bundle to verify the upstream with' : null;
    if (this.missing !== null) {
      // Sessions authenticated with the certificate that is gone (expired) end too.
      this.sessions.endAll();
      return;
    }
    this.check = this.validation === null ? null : serverIdentityCheck(this.validation, null);
    this.context = tls.createSecureContext({
      ...(this.certificate ? { cert: this.certificate.certPem, key: this.certificate.keyPem } : {}),
      ...(this.validation ? { ca: this.validation.caPem } : {}),
      minVersion: this.spec.minVersion,
      maxVersion: this.spec.maxVersion,
    });
  }
}

/** A TLS socket that never connects and fails at once, as a refused connection would (503, flag UF). */
function refusedSocket(why: string): tls.TLSSocket {
  const socket = new tls.TLSSocket(new Socket());
  process.nextTick(() => socket.destroy(new WeftError('WEFT_CERT_INVALID', why)));
  return socket;
}
