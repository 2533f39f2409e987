// TLS termination for one listener filter chain (DownstreamTlsContext): a tls.Server that never
// listens — the listener hands it accepted sockets — whose SecureContext is swapped when a secret
// rotates, so new handshakes see the new certificate and open connections are left alone. Without
// a certificate (the identity agent's expired) every connection is refused before its handshake,
// and the open ones are closed.
import tls from 'node:tls';
import type { Socket } from 'node:net';
import type { SpiffeId } from '../../pki/index.ts';
import { withSanMatchers, type CertificateMaterial, type SanMatcher, type ValidationMaterial } from './material.ts';
import { checkClient } from './peer-validator.ts';
import type { SecretStore } from './secrets.ts';
import { OpenSessions } from './sessions.ts';
import type { TlsContextStatus } from './status.ts';

export interface DownstreamTlsSpec {
  /** Where it is configured, for /certs and logs. */
  readonly name: string;
  readonly certificate: string;
  readonly validation: string | null;
  /** Checked on top of the validation secret's own (combined_validation_context). */
  readonly sanMatchers: readonly SanMatcher[];
  readonly requireClientCertificate: boolean;
  readonly alpn: readonly string[];
  readonly minVersion: tls.SecureVersion;
  readonly maxVersion: tls.SecureVersion;
  readonly handshakeTimeoutMs: number;
}

export interface DownstreamTlsEvents {
  /** A handshake failed (no or bad client certificate, plaintext on a TLS port, …) or the peer's SVID was refused. */
  refused(reason: string): void;
}

/** What the request path learns about a TLS connection. */
export interface DownstreamPeer {
  readonly identity: SpiffeId | null;
}

export class DownstreamTls {
  readonly spec: DownstreamTlsSpec;
  private readonly server: tls.Server;
  private readonly secrets: SecretStore;
  private validation: ValidationMaterial | null = null;
  private certificate: CertificateMaterial | null = null;
  /** Why connections are refused unread: a secret is absent. Null while the context is usable. */
  private missing: string | null = null;
  private readonly events: DownstreamTlsEvents;
  private readonly unsubscribe: (() => void)[] = [];
  /** Sessions this context accepted: ended when its certificate goes (fail closed). */
  private readonly sessions = new OpenSessions();

  constructor(spec: DownstreamTlsSpec, secrets: SecretStore, events: DownstreamTlsEvents) {
    this.spec = spec;
    this.secrets = secrets;
    this.events = events;
    this.read();
    this.server = tls.createServer({
      ...this.contextOptions(),
      // Ask for a client certificate whenever there is something to check it against (Envoy:
      // a presented certificate is validated even when not required); require it only if told.
      requestCert: spec.validation !== null,
      rejectUnauthorized: spec.requireClientCertificate,
      ALPNProtocols: [...spec.alpn],
      handshakeTimeout: spec.handshakeTimeoutMs,
    });
    this.server.on('tlsClientError', (_err, socket) => {
      events.refused('handshake');
      socket.destroy();
    });
    this.server.on('secureConnection', (socket: tls.TLSSocket) => this.onSecure(socket, events));
    const rotate = (): void => this.rotate();
    this.unsubscribe.push(secrets.subscribe(spec.certificate, rotate));
    if (spec.validation !== null) this.unsubscribe.push(secrets.subscribe(spec.validation, rotate));
  }

  /**
   * Stops following secret rotations once the sessions it accepted are gone (a context on lasting
   * secrets outlives snapshots; a replaced one keeps enforcing expiry on what it still holds).
   */
  close(): void {
    this.sessions.whenEmpty(() => {
      for (const stop of this.unsubscribe.splice(0)) stop();
    });
  }

  /** Runs the handshake on an accepted socket; `serve` gets the decrypted socket once the peer is accepted. */
  accept(socket: Socket, serve: (socket: tls.TLSSocket, peer: DownstreamPeer) => void): void {
    if (this.missing !== null) {
      // Fail closed: nothing to present (or to check peers against); no byte is read.
      this.events.refused(this.missing);
      socket.destroy();
      return;
    }
    HANDOFF.set(socket, serve);
    this.server.emit('connection', socket);
  }

  status(): TlsContextStatus {
    return { name: this.spec.name, chain: this.certificate?.chain ?? [], chainFiles: this.certificate?.files ?? [], roots: this.validation?.bundle.roots ?? [], rootFiles: this.validation?.files ?? [] };
  }

  private onSecure(socket: tls.TLSSocket, events: DownstreamTlsEvents): void {
    // `_parent` (the accepted socket a server TLSSocket wraps) is Node-internal; Node is pinned to
    // 24 and every TLS test goes through here, so a change would fail loudly, not silently.
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    const serve = raw ? HANDOFF.get(raw) : undefined;
    if (raw) HANDOFF.delete(raw);
    socket.on('error', () => {});
    if (serve === undefined) {
      socket.destroy();
      return;
    }
    let identity: SpiffeId | null = null;
    const validation = this.validation;
    const presented = validation !== null && socket.getPeerCertificate(false)?.raw !== undefined;
    if (validation !== null && (presented || this.spec.requireClientCertificate)) {
      const check = checkClient(socket, validation);
      if (!check.ok) {
        // Closed before a byte is read from it or anything is sent upstream (RELIABILITY.md B1/B2).
        events.refused(check.reason);
        socket.destroy();
        return;
      }
      identity = check.identity.id;
    }
    this.sessions.add(socket);
    serve(socket, { identity });
  }

  private contextOptions(): tls.SecureContextOptions {
    return {
      ...(this.certificate ? { cert: this.certificate.certPem, key: this.certificate.keyPem } : {}),
      ...(this.validation ? { ca: this.validation.caPem } : {}),
      minVersion: this.spec.minVersion,
      maxVersion: this.spec.maxVersion,
    };
  }

  private read(): void {
    this.certificate = this.secrets.certificate(this.spec.certificate);
    const validation = this.spec.validation === null ? null : this.secrets.validation(this.spec.validation);
    this.validation = validation === null ? null : withSanMatchers(validation, this.spec.sanMatchers);
    this.missing = this.certificate === null ? 'no-certificate' : this.spec.validation !== null && validation === null ? 'no-trust-bundle' : null;
  }

  private rotate(): void {
    this.read();
    if (this.missing !== null) {
      // The certificate these sessions were authenticated with is gone (expired): end them too.
      this.sessions.endAll();
      return;
    }
    this.server.setSecureContext(this.contextOptions());
    // New trust anchors apply to new handshakes only (see UpstreamTls.sessions).
  }
}

/** The serve callback of a socket between `accept` and its handshake's end (tls.Server emits only the TLS socket). */
const HANDOFF = new WeakMap<Socket, (socket: tls.TLSSocket, peer: DownstreamPeer) => void>();

