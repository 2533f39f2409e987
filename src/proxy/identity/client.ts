// The proxy's identity client: key generated in process, CSR for its SPIFFE ID, certificate from the identity service, renewal at 70 % of life, fail closed at expiry, trust bundle followed live.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { Backoff, WeftError, type BackoffOptions } from '../../core/index.ts';
import {
  assertPeer, bundlePem, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SERVICE_ACCOUNT, createCsr, identityServiceClient, parseTrustBundle, spiffeServerIdentity, verifyPeer, workloadId,
  type CreateCertificateResponse, type IdentityServiceClient, type PrivateKey, type SpiffeId, type TrustBundle, type TrustBundleUpdate, type WorkloadIdentity,
} from '../../pki/index.ts';

export type IdentityState = 'pending' | 'ready' | 'expired';

/** A workload certificate held by the proxy. The key exists in this process's memory only. */
export interface Svid {
  readonly identity: WorkloadIdentity;
  readonly key: PrivateKey;
  /** Leaf then intermediates, PEM (node:tls `cert`). */
  readonly certChainPem: string;
  readonly certificate: X509Certificate;
  readonly bundle: TrustBundle;
  /** The roots, PEM (node:tls `ca`). */
  readonly trustBundlePem: string;
  readonly serialNumber: string;
  readonly notAfter: Date;
  readonly receivedAt: Date;
}

/** What the TLS layer is told: a new certificate to swap in, or that there is none to use any more. */
export type IdentityUpdate =
  | { readonly state: 'ready'; readonly svid: Svid }
  | { readonly state: 'expired'; readonly svid: undefined };

/** The subset of ProxyMetrics the client reports to (names get the `weft_proxy_` prefix). */
export interface IdentityMetrics {
  gauge(name: string, help: string, labels: Record<string, string>, read: () => number): void;
  counter(name: string, help: string, labels: Record<string, string>): { inc(n?: number): void };
}

export interface IdentityClientOptions {
  /** The identity to ask for (the token must prove it). */
  readonly identity: WorkloadIdentity;
  /** The workload token; called at each token attempt, so a replaced token file is picked up. */
  readonly token: () => string | Promise<string>;
  /** host:port of the identity service's plaintext port (token bootstrap), e.g. 127.0.0.1:15010. */
  readonly plaintextAddress?: string;
  /** host:port of its TLS port: renewals with the current certificate, and token bootstrap when `trustAnchorsPem` is given. */
  readonly tlsAddress?: string;
  /** Roots to verify the control plane with before the first certificate (then the bundle it returns is used). */
  readonly trustAnchorsPem?: string;
  /** Requested certificate lifetime in seconds; 0 (default) takes the control plane's. */
  readonly validitySeconds?: number;
  /** Renew when this fraction of the lifetime (from receipt) has passed. Default 0.7. */
  readonly renewAt?: number;
  /** Warn when less than this fraction of the lifetime is left. Default 0.3. */
  readonly warnBelow?: number;
  /** Retry delays while the CA is unreachable. Default 200 ms doubling to 3 s, jittered (B7: a certificate within 5 s of the CA returning). */
  readonly backoff?: BackoffOptions;
  /** Deadline of one CreateCertificate call. Default 5 s. */
  readonly callTimeoutMs?: number;
  /**
   * Follow the identity service's trust bundle (WatchTrustBundle) so a root rotation reaches the
   * proxy within seconds, not at its next renewal. Default true.
   */
  readonly watchBundle?: boolean;
  /**
   * When the watch says another issuer now signs (root rotation, phase 2), renew at a random
   * moment within this many ms — spread over the fleet, bounded so `finish` can follow. Default 30 s.
   */
  readonly issuerChangeRenewWithinMs?: number;
  /** Reconnect delays of the bundle watch. Default 200 ms doubling to 5 s, jittered. */
  readonly watchBackoff?: BackoffOptions;
  readonly log?: (line: string) => void;
  readonly metrics?: IdentityMetrics;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** The fingerprint of the certificate that signed the leaf (the chain's second), as the watch names the signing issuer. */
function issuerFingerprint(svid: Svid): string | undefined {
  const pems = svid.certChainPem.match(PEM_CERT) ?? [];
  return pems.length > 1 ? new X509Certificate(pems[1]).fingerprint256 : undefined;
}

/**
 * Keeps the proxy's X.509-SVID current. One timer drives everything: the next attempt (renewal at
 * 70 % of life, or a backoff retry), the low-lifetime warning and the expiry. While the CA is
 * unreachable the current certificate is kept; at its notAfter the client drops it and reports
 * `expired` — the TLS layer then refuses mTLS rather than present an expired certificate.
 */
export class IdentityClient {
  readonly #options: IdentityClientOptions;
  readonly #log: (line: string) => void;
  readonly #backoff: Backoff;
  readonly #listeners = new Set<(update: IdentityUpdate) => void>();
  readonly #failures: { inc(n?: number): void } | undefined;
  #state: IdentityState = 'pending';
  #svid: Svid | undefined;
  #bundle: TrustBundle | undefined;
  /** Bundles received from the watch so far: tells whether one arrived during a certificate request. */
  #bundleUpdates = 0;
  #timer: NodeJS.Timeout | undefined;
  #nextAttemptAt = 0;
  #attempting = false;
  #warned = false;
  #renewalRefused = false;
  #lastError = '';
  #closed = false;
  #readyWaiters: ((svid: Svid) => void)[] = [];
  // The bundle watch: one stream, reconnected with backoff; the issuer the control plane signs with now.
  #watch: { client: IdentityServiceClient; stream: grpc.ClientReadableStream<TrustBundleUpdate> } | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #watchLost = false;
  readonly #watchBackoff: Backoff;
  #signingIssuer: string | undefined;
  #svidIssuer: string | undefined;

  constructor(options: IdentityClientOptions) {
    if (options.plaintextAddress === undefined && (options.tlsAddress === undefined || options.trustAnchorsPem === undefined)) {
      throw new WeftError('WEFT_CONFIG_INVALID', 'the identity client needs the plaintext address of the identity service, or its TLS address with trust anchors to verify it', { path: 'identity' });
    }
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.#backoff = new Backoff({ initialMs: 200, maxMs: 3000, ...options.backoff });
    this.#watchBackoff = new Backoff({ initialMs: 200, maxMs: 5000, ...options.watchBackoff });
    if (options.trustAnchorsPem !== undefined) this.#bundle = parseTrustBundle(options.identity.trustDomain, options.trustAnchorsPem, new Date(), 'identity trust anchors');
    const labels = { identity: options.identity.id };
    options.metrics?.gauge('identity_cert_expiry_seconds', 'Seconds until the workload certificate expires; 0 without one.', labels, () => (this.#svid ? Math.max(0, (this.#svid.notAfter.getTime() - Date.now()) / 1000) : 0));
    options.metrics?.gauge('identity_cert_ready', '1 while the proxy holds a valid workload certificate, else 0 (mTLS fails closed).', labels, () => (this.#state === 'ready' ? 1 : 0));
    this.#failures = options.metrics?.counter('identity_request_failures', 'Certificate requests that failed (CA unreachable or refused).', labels);
  }

  get state(): IdentityState {
    return this.#state;
  }

  /** The current certificate; undefined while pending or once expired. */
  get svid(): Svid | undefined {
    return this.#svid;
  }

  /** Calls `listener` on each new certificate and at expiry; returns how to unsubscribe. */
  onUpdate(listener: (update: IdentityUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts fetching; returns at once (see `ready`). */
  start(): void {
    this.#nextAttemptAt = Date.now();
    this.#schedule();
  }

  /** Resolves with the first (or current) certificate. */
  ready(): Promise<Svid> {
    if (this.#svid) return Promise.resolve(this.#svid);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchTimer);
    this.#stopWatch();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const times = [this.#attempting ? Infinity : this.#nextAttemptAt];
    const svid = this.#svid;
    if (svid) {
      times.push(svid.notAfter.getTime());
      // While an attempt runs its outcome decides: a success needs no warning, a failure reschedules.
      if (!this.#warned && !this.#attempting) times.push(this.#warnTime(svid));
    }
    const at = Math.min(...times);
    if (at === Infinity) return;
    this.#timer = setTimeout(() => this.#wake(), Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    // A proxy stays up for its listeners, not for this timer.
    this.#timer.unref();
  }

  #warnTime(svid: Svid): number {
    const life = svid.notAfter.getTime() - svid.receivedAt.getTime();
    return svid.notAfter.getTime() - (this.#options.warnBelow ?? 0.3) * life;
  }

  #wake(): void {
    const now = Date.now();
    const svid = this.#svid;
    const attemptDue = !this.#attempting && now >= this.#nextAttemptAt;
    if (svid && now >= svid.notAfter.getTime()) {
      this.#expire(svid);
    } else if (svid && !this.#warned && !attemptDue && !this.#attempting && now >= this.#warnTime(svid)) {
      // The renewal due at the same moment (70 % of life = 30 % left) goes first: warn only once it has failed.
      this.#warned = true;
      const left = Math.round((svid.notAfter.getTime() - now) / 1000);
      this.#log(`identity: WARNING the certificate for ${svid.identity.id} expires in ${left} s (less than ${Math.round((this.#options.warnBelow ?? 0.3) * 100)} % of its life) and renewal has not succeeded: ${this.#lastError || 'pending'}`);
    }
    if (attemptDue) {
      this.#attempting = true;
      const bundleUpdates = this.#bundleUpdates;
      this.#attempt().then(
        (next) => this.#install(this.#latestBundle(next, bundleUpdates)),
        (err: unknown) => this.#failed(err),
      ).finally(() => {
        this.#attempting = false;
        this.#schedule();
      });
    }
    this.#schedule();
  }

  #expire(svid: Svid): void {
    this.#svid = undefined;
    this.#state = 'expired';
    this.#log(`identity: ERROR the certificate for ${svid.identity.id} expired at ${svid.notAfter.toISOString()}; failing closed (no mTLS) until the identity service issues a new one (last error: ${this.#lastError || 'none'})`);
    this.#emit({ state: 'expired', svid: undefined });
  }

  async #attempt(): Promise<Svid> {
    const current = this.#svid && this.#svid.notAfter.getTime() > Date.now() ? this.#svid : undefined;
    const { key, csrPem } = await createCsr(this.#options.identity);
    const request = { csr: csrPem, validity_duration: this.#options.validitySeconds ?? 0 };
    // A certificate whose root left the bundle (rotation finished) cannot renew by itself: use the token.
    const renew = current !== undefined && this.#options.tlsAddress !== undefined && !this.#renewalRefused && this.#trusted(current, this.#bundle);
    const response = renew ? await this.#call(this.#options.tlsAddress!, this.#mtlsCredentials(current), new grpc.Metadata(), request) : await this.#tokenCall(request);
    return this.#accept(response, key);
  }

  async #tokenCall(request: { csr: string; validity_duration: number }): Promise<CreateCertificateResponse> {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${(await this.#options.token()).trim()}`);
    if (this.#options.plaintextAddress !== undefined) return this.#call(this.#options.plaintextAddress, grpc.credentials.createInsecure(), metadata, request);
    return this.#call(this.#options.tlsAddress!, this.#serverAuthCredentials(), metadata, request);
  }

  #controlPlaneId(): SpiffeId {
    return workloadId(this.#options.identity.trustDomain, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SERVICE_ACCOUNT).id;
  }

  #serverAuthCredentials(): grpc.ChannelCredentials {
    const bundle = this.#bundle!;
    return grpc.credentials.createSsl(Buffer.from(bundle.roots.map((r) => r.toString()).join('')), null, null, {
      checkServerIdentity: spiffeServerIdentity(this.#controlPlaneId(), bundle),
    });
  }

  #mtlsCredentials(svid: Svid): grpc.ChannelCredentials {
    return grpc.credentials.createSsl(Buffer.from(svid.trustBundlePem), Buffer.from(svid.key.exportPkcs8Pem()), Buffer.from(svid.certChainPem), {
      checkServerIdentity: spiffeServerIdentity(this.#controlPlaneId(), svid.bundle),
    });
  }

  #call(address: string, credentials: grpc.ChannelCredentials, metadata: grpc.Metadata, request: { csr: string; validity_duration: number }): Promise<CreateCertificateResponse> {
    // A channel per attempt: attempts are minutes or hours apart, and the mTLS one carries the certificate of the moment.
    const client = identityServiceClient(address, credentials);
    const deadline = new Date(Date.now() + (this.#options.callTimeoutMs ?? 5000));
    return new Promise<CreateCertificateResponse>((resolve, reject) => {
      client.CreateCertificate(request, metadata, { deadline }, (err, response) => (err ? reject(err) : resolve(response!)));
    }).finally(() => client.close());
  }

  /** Checks the response before trusting it: the chain verifies against the returned bundle, names us, and certifies our key. */
  #accept(response: CreateCertificateResponse, key: PrivateKey): Svid {
    const identity = this.#options.identity;
    const bundle = parseTrustBundle(identity.trustDomain, response.trust_bundle.join(''), new Date(), 'the identity service response');
    const chain = response.cert_chain.map((pem) => new X509Certificate(pem));
    if (chain.length === 0) throw new WeftError('WEFT_CERT_INVALID', 'the identity service returned no certificate');
    const issued = assertPeer(chain, bundle, { role: 'client' });
    if (issued.id !== identity.id) throw new WeftError('WEFT_CERT_INVALID', `the identity service issued ${issued.id}, this proxy asked for ${identity.id}`);
    if (!chain[0].publicKey.export({ type: 'spki', format: 'der' }).equals(key.publicKeySpki())) {
      throw new WeftError('WEFT_CERT_INVALID', 'the issued certificate does not certify the key this proxy generated');
    }
    return {
      identity,
      key,
      certChainPem: response.cert_chain.join(''),
      certificate: chain[0],
      bundle,
      trustBundlePem: response.trust_bundle.join(''),
      serialNumber: chain[0].serialNumber,
      notAfter: chain[0].validToDate,
      receivedAt: new Date(),
    };
  }

  /**
   * A response carries the bundle of the moment it was signed; a watch message that arrived while
   * the call ran is newer (a rotation step in between), so it wins — else a renewal racing
   * `finish` would bring the old root back until the next renewal.
   */
  #latestBundle(svid: Svid, updatesAtStart: number): Svid {
    const bundle = this.#bundle;
    if (this.#bundleUpdates === updatesAtStart || bundle === undefined) return svid;
    const pem = bundlePem(bundle);
    if (pem === svid.trustBundlePem) return svid;
    this.#log('identity: the trust bundle changed while the certificate was requested; keeping the newer bundle from the watch');
    return { ...svid, bundle, trustBundlePem: pem };
  }

  #install(svid: Svid): void {
    if (this.#closed) return;
    const renewed = this.#svid !== undefined;
    this.#svid = svid;
    this.#svidIssuer = issuerFingerprint(svid);
    this.#bundle = svid.bundle;
    this.#state = 'ready';
    this.#warned = false;
    this.#renewalRefused = false;
    this.#lastError = '';
    this.#backoff.reset();
    const life = svid.notAfter.getTime() - svid.receivedAt.getTime();
    this.#nextAttemptAt = svid.receivedAt.getTime() + (this.#options.renewAt ?? 0.7) * life;
    this.#log(`identity: ${renewed ? 'renewed' : 'obtained'} ${svid.identity.id} serial ${svid.serialNumber}, valid until ${svid.notAfter.toISOString()}; next renewal at ${new Date(this.#nextAttemptAt).toISOString()}`);
    // A certificate signed by an issuer the newer bundle no longer trusts: ask again at once.
    if (!this.#trusted(svid, svid.bundle)) this.#nextAttemptAt = Date.now() + this.#backoff.next();
    for (const resolve of this.#readyWaiters.splice(0)) resolve(svid);
    this.#emit({ state: 'ready', svid });
    // The first certificate brings the bundle the watch's TLS channel verifies the control plane with.
    if (this.#watch === undefined && this.#watchTimer === undefined) this.#startWatch();
  }

  #trusted(svid: Svid, bundle: TrustBundle | undefined): boolean {
    if (bundle === undefined) return true;
    return verifyPeer(svid.certChainPem.match(PEM_CERT) ?? [], bundle, { role: 'client' }).ok;
  }

  #startWatch(): void {
    this.#watchTimer = undefined;
    if (this.#closed || this.#options.watchBundle === false) return;
    // TLS when possible (the control plane is verified against the bundle held); else the plaintext port.
    const tls = this.#options.tlsAddress !== undefined && this.#bundle !== undefined;
    const address = tls ? this.#options.tlsAddress! : this.#options.plaintextAddress;
    if (address === undefined) return;
    const client = identityServiceClient(address, tls ? this.#serverAuthCredentials() : grpc.credentials.createInsecure(), {
      // As the ADS client: pings find a control plane that vanished without closing the connection.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const stream = client.WatchTrustBundle({}, new grpc.Metadata());
    const watch = { client, stream };
    this.#watch = watch;
    const openedAt = Date.now();
    let over = false;
    const ended = (err: grpc.ServiceError | undefined) => {
      if (over) return;
      over = true;
      if (this.#watch === watch) this.#watch = undefined;
      client.close();
      if (this.#closed) return;
      if (err?.code === grpc.status.UNIMPLEMENTED) {
        this.#log('identity: the identity service does not serve WatchTrustBundle; the trust bundle is updated at each renewal only');
        return;
      }
      // A stream that ran for a while and ends is routine (the server ages connections out):
      // reconnect at once and say nothing unless that fails.
      if (!this.#watchLost && Date.now() - openedAt > 60_000) {
        this.#watchTimer = setTimeout(() => this.#startWatch(), 0);
        this.#watchTimer.unref();
        return;
      }
      const delay = this.#watchBackoff.next();
      if (!this.#watchLost) this.#log(`identity: trust bundle watch ${err ? `failed (${err.message})` : 'ended'}; reconnecting in ${Math.round(delay)} ms`);
      this.#watchLost = true;
      this.#watchTimer = setTimeout(() => this.#startWatch(), delay);
      this.#watchTimer.unref();
    };
    stream.on('data', (update: TrustBundleUpdate) => {
      this.#watchBackoff.reset();
      this.#watchLost = false;
      this.#onBundle(update);
    });
    stream.on('error', (err: grpc.ServiceError) => ended(err));
    stream.on('end', () => ended(undefined));
  }

  #stopWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    if (watch === undefined) return;
    watch.stream.cancel();
    watch.client.close();
  }

  /** A bundle from the watch: swap the trust anchors at once; renew soon (new issuer) or now (our root is gone). */
  #onBundle(update: TrustBundleUpdate): void {
    if (this.#closed) return;
    let bundle: TrustBundle;
    try {
      bundle = parseTrustBundle(this.#options.identity.trustDomain, update.trust_bundle.join(''), new Date(), 'the identity service\'s trust bundle watch');
    } catch (err) {
      this.#log(`identity: ignoring a trust bundle update: ${(err as Error).message}`);
      return;
    }
    this.#bundle = bundle;
    this.#bundleUpdates++;
    this.#signingIssuer = update.issuer_fingerprint;
    const svid = this.#svid;
    if (svid === undefined) return; // the first certificate brings its bundle with it
    const pem = bundlePem(bundle);
    if (pem !== svid.trustBundlePem) {
      const next: Svid = { ...svid, bundle, trustBundlePem: pem };
      this.#svid = next;
      this.#log(`identity: trust bundle updated: ${bundle.roots.length} root(s) (rotation phase ${update.phase})`);
      this.#emit({ state: 'ready', svid: next });
      if (!this.#trusted(next, bundle)) {
        this.#log(`identity: the trust bundle no longer holds the root of certificate serial ${svid.serialNumber}; requesting a new certificate now`);
        this.#nextAttemptAt = Date.now();
        this.#schedule();
        return;
      }
    }
    if (this.#signingIssuer !== this.#svidIssuer) {
      const at = Date.now() + Math.random() * (this.#options.issuerChangeRenewWithinMs ?? 30_000);
      if (at < this.#nextAttemptAt) {
        this.#nextAttemptAt = at;
        this.#log(`identity: the identity service signs with a new issuer; renewing at ${new Date(at).toISOString()}`);
        this.#schedule();
      }
    }
  }

  #failed(err: unknown): void {
    if (this.#closed) return;
    this.#failures?.inc();
    const code = (err as grpc.ServiceError).code;
    // A refused renewal (revoked lineage, unknown certificate) will not succeed by retrying: use the token next.
    if (code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED) this.#renewalRefused = true;
    const unreachable = code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
    this.#lastError = unreachable ? `identity service unreachable (${(err as Error).message})` : (err as Error).message;
    const delay = this.#backoff.next();
    this.#nextAttemptAt = Date.now() + delay;
    const holding = this.#svid ? `keeping the current certificate until ${this.#svid.notAfter.toISOString()}` : `no certificate (${this.#state})`;
    this.#log(`identity: certificate request failed: ${this.#lastError}; ${holding}; retrying in ${Math.round(delay)} ms`);
  }

  #emit(update: IdentityUpdate): void {
    for (const listener of this.#listeners) {
      try {
        listener(update);
      } catch (err) {
        this.#log(`identity: an update listener failed: ${(err as Error).message}`);
      }
    }
  }
}
