// The operator's side of a root rotation (`weft ca status`, `weft ca rotate …`): the phase, the roots, and which live workload certificates still come from the old issuer.
import { WeftError } from '../../core/index.ts';
import type { CaFiles, CaView, RotatingCa, RotationStep } from '../../pki/index.ts';
import type { IssuanceLog, IssuedRecord } from './issuance-log.ts';

export interface CaCertificateView {
  readonly subject: string;
  readonly fingerprint256: string;
  readonly notAfter: string;
}

export interface CaStatus {
  readonly trustDomain: string;
  readonly phase: CaView['phase'];
  /** `current`: stays; `retiring`: leaves the bundle at finish; `new`: joined at prepare. */
  readonly roots: readonly (CaCertificateView & { readonly state: 'current' | 'retiring' | 'new' })[];
  /** The issuer signing workload certificates now. */
  readonly signingIssuer: CaCertificateView;
  readonly oldIssuer?: CaCertificateView;
  readonly newIssuer?: CaCertificateView;
  readonly preparedAt?: string;
  readonly activatedAt?: string;
  readonly certificates: {
    /** Valid workload certificates in the issuance log that no renewal has replaced. */
    readonly inUse: number;
    readonly fromSigningIssuer: number;
    /** In use but signed by another issuer (or logged before issuers were recorded): cut off by finish. */
    readonly fromOtherIssuers: number;
    /** Up to 20 of those, soonest expiry first. */
    readonly others: readonly { readonly serial: string; readonly spiffeId: string; readonly notAfter: string }[];
  };
  /** What to do next, in words. */
  readonly next: string;
}

export interface RotateOptions {
  /** prepare: a brought new CA instead of a generated one. */
  readonly caFiles?: CaFiles;
  /** finish: even though certificates of the old issuer are still in use. */
  readonly force?: boolean;
}

function view(c: { subject: string; fingerprint256: string; validToDate: Date }): CaCertificateView {
  return { subject: c.subject.replaceAll('\n', ', '), fingerprint256: c.fingerprint256, notAfter: c.validToDate.toISOString() };
}

/**
 * Runs rotation steps for the REST API. `finish` is refused while the issuance log shows
 * certificates of the old issuer still in use (valid and not replaced by a renewal): finishing
 * then would cut those workloads off until they bootstrap again with a token.
 */
export class CaAdmin {
  readonly #ca: RotatingCa;
  readonly #issued: IssuanceLog;
  readonly #log: (line: string) => void;

  constructor(ca: RotatingCa, issued: IssuanceLog, log: (line: string) => void = () => {}) {
    this.#ca = ca;
    this.#issued = issued;
    this.#log = log;
  }

  status(now: Date = new Date()): CaStatus {
    const v = this.#ca.view;
    const live = this.#issued.live(now);
    const replaced = new Set(live.map((r) => r.replaces).filter((s) => s !== undefined));
    const inUse = live.filter((r) => !replaced.has(r.serial));
    const signing = v.ca.issuer.fingerprint256;
    const others = inUse.filter((r: IssuedRecord) => r.issuer !== signing).sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
    const retiring = new Set(v.retiringRoots.map((r) => r.fingerprint256));
    const roots = v.ca.bundle.roots.map((r) => ({
      ...view(r),
      state: retiring.has(r.fingerprint256) ? 'retiring' as const : v.record && !v.record.oldRoots.includes(r.fingerprint256) ? 'new' as const : 'current' as const,
    }));
    const next = v.phase === 'steady'
      ? 'no rotation in progress; `weft ca rotate prepare` starts one'
      : v.phase === 'prepared'
        ? 'proxies are learning the new root; once they have it (seconds; the bundle watch), run `weft ca rotate activate`'
        : others.length > 0
          ? `${others.length} certificate(s) of the old issuer still in use (the last expires at ${others.at(-1)!.notAfter}); proxies renew within seconds of activate, or at their next renewal; then \`weft ca rotate finish\``
          : 'every workload certificate in use comes from the new issuer: `weft ca rotate finish` removes the old root';
    return {
      trustDomain: v.ca.trustDomain,
      phase: v.phase,
      roots,
      signingIssuer: view(v.ca.issuer),
      ...(v.oldIssuer ? { oldIssuer: view(v.oldIssuer) } : {}),
      ...(v.newIssuer ? { newIssuer: view(v.newIssuer) } : {}),
      ...(v.record ? { preparedAt: v.record.preparedAt } : {}),
      ...(v.record?.activatedAt ? { activatedAt: v.record.activatedAt } : {}),
      certificates: {
        inUse: inUse.length,
        fromSigningIssuer: inUse.length - others.length,
        fromOtherIssuers: others.length,
        others: others.slice(0, 20).map((r) => ({ serial: r.serial, spiffeId: r.spiffeId, notAfter: r.notAfter })),
      },
      next,
    };
  }

  async rotate(step: RotationStep, options: RotateOptions = {}): Promise<CaStatus> {
    if (step !== 'prepare' && options.caFiles) throw new WeftError('WEFT_USAGE', `--ca-cert/--ca-key/--ca-roots go with \`weft ca rotate prepare\`, not ${step}`);
    if (step !== 'finish' && options.force) throw new WeftError('WEFT_USAGE', `--force goes with \`weft ca rotate finish\`, not ${step}`);
    if (step === 'prepare') {
      const v = await this.#ca.prepare(options.caFiles);
      this.#log(`identity: CA rotation prepared: the trust bundle is now ${v.ca.bundle.roots.length} roots (new issuer ${v.newIssuer!.fingerprint256}${options.caFiles ? `, brought from ${options.caFiles.certFile}` : ', generated'}); the old issuer still signs`);
    } else if (step === 'activate') {
      const v = await this.#ca.activate();
      this.#log(`identity: CA rotation activated: the new issuer ${v.ca.issuer.fingerprint256} signs workload certificates`);
    } else {
      const current = this.status();
      if (current.phase === 'activated' && current.certificates.fromOtherIssuers > 0 && !options.force) {
        throw new WeftError('WEFT_CONFLICT', `${current.certificates.fromOtherIssuers} workload certificate(s) of the old issuer are still in use (e.g. ${current.certificates.others[0].spiffeId}, serial ${current.certificates.others[0].serial}, until ${current.certificates.others[0].notAfter}); finishing now cuts them off. Wait for them to renew (\`weft ca status\`), or pass --force`);
      }
      const v = await this.#ca.finish();
      this.#log(`identity: CA rotation finished: the trust bundle is the new root only (${v.ca.bundle.roots.map((r) => r.fingerprint256).join(', ')}); leaves of the old root are refused from now on`);
    }
    return this.status();
  }
}
