// The identity gRPC service: CreateCertificate authenticated by a workload token (bootstrap) or by the current certificate over mTLS (renewal); mountable on any grpc.Server.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { isWeftError, WeftError } from '../../core/index.ts';
import {
  bundlePem, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SERVICE_ACCOUNT, createCsr, identityServiceDefinition, issueSvid, workloadId,
  type CaView, type CertificateAuthority, type CreateCertificateRequest, type CreateCertificateResponse, type TrustBundleUpdate, type WorkloadIdentity,
} from '../../pki/index.ts';
import { caSource, type CaSource } from './ca-source.ts';
import { IssuanceLog } from './issuance-log.ts';
import { RenewalAuthenticator, type RevocationCheck } from './renewal.ts';
import { IdentitySigner, type SignResponse } from './signer.ts';
import type { WorkloadAuthenticator } from './tokens.ts';

export const DEFAULT_IDENTITY_PLAINTEXT_PORT = 15010;
export const DEFAULT_IDENTITY_TLS_PORT = 15012;
// A CSR is under 1 KiB; anything far larger is not one.
const MAX_CSR_BYTES = 16 * 1024;
const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/;

export interface IdentityServiceOptions {
  /** A fixed CA, or a rotating one (RotatingCa): each call uses the view of the moment, and bundle watchers get every change. */
  readonly ca: CertificateAuthority | CaSource;
  /** Checks bootstrap credentials (workload tokens) and whether a renewal's originating token was revoked. */
  readonly tokens: WorkloadAuthenticator & RevocationCheck;
  /** Where issued certificates are recorded; renewals need the record. Default: in memory. */
  readonly issuanceLog?: IssuanceLog;
  /** Longest workload certificate lifetime granted (MeshConfig); default 24 h. */
  readonly leafTtlMs?: number;
  /** Shortest accepted; default 1 minute. Rotation tests lower it. */
  readonly minLeafTtlMs?: number;
  /** One line per issuance and per refusal; never a token, CSR or key. */
  readonly log?: (line: string) => void;
}

function status(err: unknown): { code: grpc.status; details: string } {
  if (!isWeftError(err)) return { code: grpc.status.INTERNAL, details: 'WEFT_INTERNAL: the identity service failed; see the control plane log' };
  const code = ((): grpc.status => {
    switch (err.code) {
      case 'WEFT_IDENTITY_DENIED': return grpc.status.PERMISSION_DENIED;
      case 'WEFT_TOKEN_INVALID':
      case 'WEFT_CERT_INVALID': return grpc.status.UNAUTHENTICATED;
      case 'WEFT_CSR_INVALID':
      case 'WEFT_USAGE': return grpc.status.INVALID_ARGUMENT;
      // A lifetime request is the caller's problem; an expiring issuer is the operator's.
      case 'WEFT_CONFIG_INVALID': return err.path === 'CA' ? grpc.status.FAILED_PRECONDITION : grpc.status.INVALID_ARGUMENT;
      case 'WEFT_IO': return grpc.status.UNAVAILABLE;
      default: return grpc.status.INTERNAL;
    }
  })();
  return { code, details: `${err.code}: ${err.message}` };
}

function bearerToken(metadata: grpc.Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0) return undefined;
  const match = values.length === 1 && typeof values[0] === 'string' ? BEARER.exec(values[0]) : null;
  // Never echo the header: it is a credential.
  if (!match) throw new WeftError('WEFT_TOKEN_INVALID', 'workload token refused [malformed]: the authorization metadata must be one "Bearer <token>" value');
  return match[1];
}

function requestTtlMs(request: CreateCertificateRequest): number | undefined {
  const seconds = request.validity_duration;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new WeftError('WEFT_USAGE', `validity_duration is a number of seconds ≥ 0, got ${seconds}`);
  return seconds === 0 ? undefined : seconds * 1000;
}

function toResponse(signed: SignResponse): CreateCertificateResponse {
  const split = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return {
    cert_chain: split(signed.certificateChainPem),
    trust_bundle: split(signed.trustBundlePem),
    spiffe_id: signed.identity.id,
    not_after: Math.floor(signed.notAfter.getTime() / 1000),
  };
}

function bundleUpdate(view: CaView): TrustBundleUpdate {
  return { trust_bundle: view.ca.bundle.roots.map((r) => r.toString()), issuer_fingerprint: view.ca.issuer.fingerprint256, phase: view.phase };
}

/** The service's handler state: the signer, the renewal check and the open bundle watches. */
class IdentityService {
  readonly #signer: IdentitySigner;
  readonly #renewals: RenewalAuthenticator;
  readonly #log: (line: string) => void;
  readonly #ca: CaSource;
  readonly #watches = new Set<grpc.ServerWritableStream<unknown, TrustBundleUpdate>>();
  readonly #unsubscribe: () => void;

  constructor(options: IdentityServiceOptions) {
    const issuanceLog = options.issuanceLog ?? IssuanceLog.inMemory();
    this.#ca = caSource(options.ca);
    this.#signer = new IdentitySigner(this.#ca, options.tokens, { ttlMs: options.leafTtlMs, minTtlMs: options.minLeafTtlMs, log: issuanceLog });
    this.#renewals = new RenewalAuthenticator(this.#ca, issuanceLog, options.tokens);
    this.#log = options.log ?? (() => {});
    // One subscription for all watchers: a rotation step is one write per open stream.
    this.#unsubscribe = this.#ca.onChange((view) => {
      const update = bundleUpdate(view);
      for (const call of this.#watches) call.write(update);
      this.#log(`identity: trust bundle now ${view.ca.bundle.roots.length} root(s), phase ${view.phase}, issuer ${view.ca.issuer.fingerprint256}; sent to ${this.#watches.size} watching proxies`);
    });
  }

  watchHandler(): grpc.handleServerStreamingCall<unknown, TrustBundleUpdate> {
    return (call) => {
      this.#watches.add(call);
      const done = () => this.#watches.delete(call);
      call.on('cancelled', done);
      call.on('close', done);
      call.on('error', done);
      call.write(bundleUpdate(this.#ca.view));
    };
  }

  /** Ends the open watches (a graceful server shutdown would otherwise wait for them). */
  close(): void {
    this.#unsubscribe();
    for (const call of this.#watches) call.end();
    this.#watches.clear();
  }

  async createCertificate(call: grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>): Promise<CreateCertificateResponse> {
    const { csr } = call.request;
    if (typeof csr !== 'string' || csr.length === 0 || csr.length > MAX_CSR_BYTES) throw new WeftError('WEFT_CSR_INVALID', `csr must be a PEM PKCS#10 request of at most ${MAX_CSR_BYTES} bytes`);
    const ttlMs = requestTtlMs(call.request);
    const token = bearerToken(call.metadata);
    if (token !== undefined) return toResponse(await this.#signer.sign({ credential: token, csrPem: csr, ttlMs }));
    // Set only on a TLS connection whose client certificate OpenSSL verified against the bundle.
    const peer = call.getAuthContext()?.sslPeerCertificate;
    if (peer?.raw) {
      const auth = await this.#renewals.authenticate(new X509Certificate(peer.raw));
      return toResponse(await this.#signer.signAuthenticated(auth, csr, ttlMs, 'renewal'));
    }
    throw new WeftError('WEFT_TOKEN_INVALID', 'workload token refused [malformed]: no credential; send "authorization: Bearer <token>" metadata (weft token create), or renew over the TLS port with the current certificate');
  }

  handler(): grpc.handleUnaryCall<CreateCertificateRequest, CreateCertificateResponse> {
    return (call, callback) => {
      const started = performance.now();
      this.createCertificate(call).then(
        (response) => {
          const via = call.metadata.get('authorization').length > 0 ? 'token' : 'renewal';
          this.#log(`identity: issued ${response.spiffe_id} until ${new Date(response.not_after * 1000).toISOString()} (${via}, ${(performance.now() - started).toFixed(1)} ms)`);
          callback(null, response);
        },
        (err: unknown) => {
          const { code, details } = status(err);
          this.#log(`identity: refused a request from ${call.getPeer()}: ${grpc.status[code]} ${details}`);
          if (code === grpc.status.INTERNAL) this.#log(`identity: internal error: ${err instanceof Error ? err.stack : String(err)}`);
          callback({ code, details });
        },
      );
    };
  }
}

/** Adds IdentityService to `server` (e.g. the ADS server's, to share its ports); `close` ends its bundle watches. */
export function addIdentityService(server: grpc.Server, options: IdentityServiceOptions): { close(): void } {
  const service = new IdentityService(options);
  server.addService(identityServiceDefinition(), { CreateCertificate: service.handler(), WatchTrustBundle: service.watchHandler() });
  return service;
}

/** The SPIFFE ID the control plane's TLS port presents, which proxies check. */
export function controlPlaneIdentity(ca: CertificateAuthority | CaSource): WorkloadIdentity {
  return workloadId(caSource(ca).view.ca.trustDomain, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SERVICE_ACCOUNT);
}

/**
 * Server credentials whose certificate and trust bundle can be replaced while serving (grpc-js
 * applies `updateSecureContextOptions` to every bound server; open connections are kept). The
 * client certificate is requested but optional: OpenSSL verifies one that is sent, and a call
 * without one can still present a token.
 */
class SwappableServerCredentials extends grpc.ServerCredentials {
  constructor(context: { key: Buffer; cert: Buffer; ca: Buffer }) {
    super({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, context);
  }

  replace(context: { key: Buffer; cert: Buffer; ca: Buffer }): void {
    this.updateSecureContextOptions(context);
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface ControlPlaneTls {
  readonly credentials: grpc.ServerCredentials;
  readonly identity: WorkloadIdentity;
  /** When the current serving certificate expires. */
  notAfter(): Date;
  /** Stops the renewal timer. */
  close(): void;
}

/**
 * TLS credentials for the control plane's TLS port: a certificate for its own SPIFFE ID, issued by
 * `ca` with a key generated here and held in memory only (never written), re-issued at 70 % of
 * its life by one timer — and at each rotation step of a rotating CA, so the port verifies
 * clients against the new bundle and presents a certificate of the signing issuer.
 */
export async function controlPlaneTls(ca: CertificateAuthority | CaSource, options: { readonly ttlMs?: number; readonly log?: (line: string) => void } = {}): Promise<ControlPlaneTls> {
  const source = caSource(ca);
  const identity = controlPlaneIdentity(source);
  const ttlMs = options.ttlMs ?? 24 * 3600_000;
  const issue = async () => {
    const ca = source.view.ca;
    const { key, csrPem } = await createCsr(identity);
    const svid = await issueSvid(ca, csrPem, identity, { ttlMs, minTtlMs: Math.min(ttlMs, 60_000) });
    return { context: { key: Buffer.from(key.exportPkcs8Pem()), cert: Buffer.from(svid.chainPem), ca: Buffer.from(bundlePem(ca.bundle)) }, notAfter: svid.notAfter };
  };
  let current = await issue();
  const credentials = new SwappableServerCredentials(current.context);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = () => {
    if (closed) return;
    const delay = Math.min(0.7 * (current.notAfter.getTime() - Date.now()), 2 ** 31 - 1);
    timer = setTimeout(() => {
      issue().then((next) => {
        current = next;
        credentials.replace(next.context);
        options.log?.(`identity: control plane TLS certificate ${identity.id} renewed until ${next.notAfter.toISOString()}`);
      }, (err: unknown) => options.log?.(`identity: renewing the control plane TLS certificate failed: ${(err as Error).message}`)).finally(schedule);
    }, Math.max(delay, 1000));
    timer.unref();
  };
  schedule();
  // Steps are minutes apart; issuing takes milliseconds, so two never overlap in practice, and the last one wins.
  const unsubscribe = source.onChange(() => {
    issue().then((next) => {
      if (closed) return;
      current = next;
      credentials.replace(next.context);
      options.log?.(`identity: control plane TLS certificate ${identity.id} re-issued for the CA rotation, until ${next.notAfter.toISOString()}`);
    }, (err: unknown) => options.log?.(`identity: re-issuing the control plane TLS certificate for the CA rotation failed: ${(err as Error).message}`));
  });
  const close = () => {
    closed = true;
    clearTimeout(timer);
    unsubscribe();
  };
  return { credentials, identity, notAfter: () => current.notAfter, close };
}

export interface IdentityServerOptions extends IdentityServiceOptions {
  /** Default 127.0.0.1 (the plaintext port carries bearer tokens: keep it on loopback or in-cluster). */
  readonly address?: string;
  /** Token bootstrap without TLS; default 15010, 0 picks a free port, null disables it. */
  readonly plaintextPort?: number | null;
  /** Mutual TLS (renewals; tokens too, for clients that hold the trust bundle); default 15012, 0 picks one, null disables it. */
  readonly tlsPort?: number | null;
}

export interface RunningIdentityServer {
  readonly server: grpc.Server;
  readonly plaintextPort: number | undefined;
  readonly tlsPort: number | undefined;
  /** What the TLS port presents. */
  readonly identity: WorkloadIdentity;
  close(): Promise<void>;
}

function bind(server: grpc.Server, address: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
  const host = address.includes(':') ? `[${address}]` : address;
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, bound) => {
      if (err) reject(new WeftError('WEFT_IO', `cannot listen on ${host}:${port} for the identity service: ${err.message}`, { cause: err }));
      else resolve(bound);
    });
  });
}

/** A grpc.Server with IdentityService on the plaintext and TLS ports (the control plane may instead mount it on its ADS server). */
export async function createIdentityServer(options: IdentityServerOptions): Promise<RunningIdentityServer> {
  const address = options.address ?? '127.0.0.1';
  const server = new grpc.Server();
  const service = addIdentityService(server, options);
  const tls = await controlPlaneTls(options.ca, { log: options.log });
  // In-flight calls get a second to finish (a signing takes milliseconds), then are cut.
  const close = async () => {
    tls.close();
    service.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  };
  try {
    const plaintextPort = options.plaintextPort === null ? undefined : await bind(server, address, options.plaintextPort ?? DEFAULT_IDENTITY_PLAINTEXT_PORT, grpc.ServerCredentials.createInsecure());
    const tlsPort = options.tlsPort === null ? undefined : await bind(server, address, options.tlsPort ?? DEFAULT_IDENTITY_TLS_PORT, tls.credentials);
    options.log?.(`identity: serving ${[plaintextPort !== undefined ? `plaintext ${address}:${plaintextPort}` : '', tlsPort !== undefined ? `TLS ${address}:${tlsPort} as ${tls.identity.id}` : ''].filter(Boolean).join(', ')}`);
    return {
      server,
      plaintextPort,
      tlsPort,
      identity: tls.identity,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface MountedIdentity {
  /** The bound TLS port; undefined when it is off. */
  readonly tlsPort: number | undefined;
  readonly identity: WorkloadIdentity;
  close(): void;
}

/**
 * Adds IdentityService to a server that another part binds in plaintext (the ADS server, 15010)
 * and binds the TLS port (15012, `null` = off) with the control plane's own renewing certificate.
 */
export async function mountIdentityService(server: grpc.Server, options: IdentityServiceOptions & { readonly address: string; readonly tlsPort: number | null }): Promise<MountedIdentity> {
  const service = addIdentityService(server, options);
  const tls = await controlPlaneTls(options.ca, { log: options.log });
  const close = () => {
    tls.close();
    service.close();
  };
  try {
    const tlsPort = options.tlsPort === null ? undefined : await bind(server, options.address, options.tlsPort, tls.credentials);
    return { tlsPort, identity: tls.identity, close };
  } catch (err) {
    close();
    throw err;
  }
}
