// Root (and intermediate) rotation of the mesh CA through an overlapping trust bundle: prepare → activate → finish, each step committed by one atomic write of <ca>/rotation.json.
import type { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../core/index.ts';
import { pathExists, writeFileAtomic } from './atomic-write.ts';
import { bundlePem, mergeBundles, trustBundle } from './bundle.ts';
import { CA_DIR_FILES, CertificateAuthority, createIssuer, createRoot, loadCaFiles, openCaDirectory, type CaFiles, type CaLifetimes } from './ca.ts';
import type { TrustDomain } from './spiffe.ts';

/**
 * - `steady`: one CA, its roots are the bundle.
 * - `prepared`: the bundle is old + new roots; the old issuer still signs (proxies learn the new root).
 * - `activated`: same bundle; the new issuer signs (proxies move to new leaves).
 * - after `finish`: `steady` again, with the new CA only; old leaves are refused by peers.
 */
export type RotationPhase = 'steady' | 'prepared' | 'activated';

export type RotationStep = 'prepare' | 'activate' | 'finish';

/** The persisted rotation (`<ca>/rotation.json`); absent in the steady state. */
export interface RotationRecord {
  readonly version: 1;
  /** `finished`: committed, but the new CA is not yet the start's CA (promotion pending, or a brought CA's flags still name the old one). */
  readonly phase: 'prepared' | 'activated' | 'finished';
  readonly preparedAt: string;
  readonly activatedAt?: string;
  readonly finishedAt?: string;
  /** SHA-256 fingerprints of the old CA's roots: a restart mid-rotation must bring the same CA. */
  readonly oldRoots: readonly string[];
  readonly oldIssuer: string;
  readonly newIssuer: string;
  /** The new CA was generated here or brought (`--ca-*`-style files, copied into `next/`). */
  readonly source: 'generated' | 'brought';
}

/** What the identity service works with at one moment. */
export interface CaView {
  readonly phase: RotationPhase;
  /** Signs workload certificates; its `bundle` is what proxies trust (old + new roots while rotating). */
  readonly ca: CertificateAuthority;
  /** The issuers whose leaves may renew by certificate: both while rotating. */
  readonly issuers: readonly X509Certificate[];
  /** While rotating: the old CA's issuer (signing in `prepared`, retiring in `activated`). */
  readonly oldIssuer?: X509Certificate;
  /** While rotating: the new CA's issuer. */
  readonly newIssuer?: X509Certificate;
  /** The roots that go away at `finish` (empty when the new CA shares the old root: an intermediate rotation). */
  readonly retiringRoots: readonly X509Certificate[];
  readonly record?: RotationRecord;
}

export interface RotatingCaOptions {
  /** The CA directory, `<data>/ca`: the generated CA, and `next/` + `rotation.json` while rotating. */
  readonly dir: string;
  readonly trustDomain: TrustDomain;
  /** The start's CA is the user's files (`--ca-cert/--ca-key/--ca-roots`), not the generated one in `dir`. */
  readonly brought?: CaFiles;
  readonly lifetimes?: CaLifetimes;
  readonly now?: () => Date;
}

const STATE_FILE = 'rotation.json';
const NEXT_DIR = 'next';

function conflict(message: string): WeftError {
  return new WeftError('WEFT_CONFLICT', message);
}


function fingerprints(ca: CertificateAuthority): string[] {
  return ca.bundle.roots.map((r) => r.fingerprint256);
}

async function readRecord(path: string): Promise<RotationRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WeftError('WEFT_IO', `cannot read the CA rotation state: ${(err as NodeJS.ErrnoException).code}`, { path, cause: err });
  }
  const bad = () => new WeftError('WEFT_CONFIG_INVALID', 'the CA rotation state is not valid (it is written by `weft ca rotate`); restore it, or remove it and the next/ directory to abandon the rotation (the bundle is then the old roots only)', { path });
  let r: RotationRecord;
  try {
    r = JSON.parse(text) as RotationRecord;
  } catch {
    throw bad();
  }
  const strings = [r.preparedAt, r.oldIssuer, r.newIssuer];
  if (r?.version !== 1 || !['prepared', 'activated', 'finished'].includes(r.phase) || !strings.every((s) => typeof s === 'string')
    || !Array.isArray(r.oldRoots) || !r.oldRoots.every((s) => typeof s === 'string') || (r.source !== 'generated' && r.source !== 'brought')) throw bad();
  return r;
}

/**
 * The mesh CA with its rotation state. One step runs at a time. Each step's commit point is the
 * atomic write of `rotation.json` (the new CA's files are written into `next/` before it, and
 * promoted into the CA directory after it, idempotently), so a crash at any point leaves either
 * the state before the step or the state after it — and the working CA is never lost.
 */
export class RotatingCa {
  readonly #options: RotatingCaOptions;
  readonly #listeners = new Set<(view: CaView) => void>();
  #view: CaView;
  #current: CertificateAuthority;
  #next: CertificateAuthority | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  // A brought CA's rotation finished in this process: its flags still name the old CA until a restart.
  #awaitingRestart = false;

  private constructor(options: RotatingCaOptions, current: CertificateAuthority, next: CertificateAuthority | undefined, record: RotationRecord | undefined) {
    this.#options = options;
    this.#current = current;
    this.#next = next;
    this.#view = this.#build(record);
  }

  /** Opens the CA (generating it at first start) and resumes any rotation; a finished one is completed. */
  static async open(options: RotatingCaOptions): Promise<RotatingCa> {
    const { dir, trustDomain, brought } = options;
    const now = options.now?.() ?? new Date();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const statePath = join(dir, STATE_FILE);
    let record = await readRecord(statePath);
    if (record?.phase === 'finished') {
      if (brought === undefined) {
        await promote(dir);
      } else {
        const flags = await loadCaFiles(trustDomain, brought, now);
        if (flags.issuer.fingerprint256 !== record.newIssuer) {
          throw new WeftError('WEFT_CONFIG_INVALID', `the mesh CA was rotated (weft ca rotate finish at ${record.finishedAt}) to the issuer with SHA-256 fingerprint ${record.newIssuer}, but --ca-cert names ${flags.issuer.fingerprint256}; start with --ca-cert/--ca-key/--ca-roots naming the new CA (copies are in ${join(dir, NEXT_DIR)}), or without them to use those copies`, { path: brought.certFile });
        }
      }
      await clear(dir);
      record = undefined;
    }
    const current = brought ? await loadCaFiles(trustDomain, brought, now) : await openCaDirectory(dir, trustDomain, now, options.lifetimes);
    if (record === undefined) {
      // A prepare interrupted before its commit left a partial next/: it is nothing.
      await rm(join(dir, NEXT_DIR), { recursive: true, force: true });
      return new RotatingCa(options, current, undefined, undefined);
    }
    const roots = fingerprints(current);
    if (roots.length !== record.oldRoots.length || !roots.every((f) => record.oldRoots.includes(f))) {
      throw new WeftError('WEFT_CONFIG_INVALID', `a CA rotation is in progress (${record.phase} at ${record.activatedAt ?? record.preparedAt}) from the roots ${record.oldRoots.join(', ')}, but this start's CA has the roots ${roots.join(', ')}; start the control plane with the CA it had at \`weft ca rotate prepare\` (the same --ca-* flags, or none) until \`weft ca rotate finish\``, { path: brought?.certFile ?? statePath });
    }
    const next = await loadCaFiles(trustDomain, nextFiles(dir), now);
    return new RotatingCa(options, current, next, record);
  }

  get view(): CaView {
    return this.#view;
  }

  /** Called after each step with the new view; returns how to unsubscribe. */
  onChange(listener: (view: CaView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Phase 1: a new root and issuer — generated, or `brought` (the files are checked and copied
   * into `next/`) — join the bundle; the old issuer keeps signing.
   */
  prepare(brought?: CaFiles): Promise<CaView> {
    return this.#serial(async () => {
      const { record } = this.#view;
      if (record) throw conflict(`a rotation is already ${record.phase} (since ${record.activatedAt ?? record.preparedAt}); the next step is \`weft ca rotate ${record.phase === 'prepared' ? 'activate' : 'finish'}\``);
      if (this.#awaitingRestart) throw conflict('the last rotation finished, but this control plane was started with --ca-* flags naming the old CA; restart it with the new CA\'s files (or without the flags) before the next rotation');
      const { dir, trustDomain } = this.#options;
      const now = this.#now();
      const nextDir = join(dir, NEXT_DIR);
      await rm(nextDir, { recursive: true, force: true });
      await mkdir(nextDir, { mode: 0o700 });
      let next: CertificateAuthority;
      if (brought) {
        next = await loadCaFiles(trustDomain, brought, now);
      } else {
        const root = await createRoot(trustDomain, now, this.#options.lifetimes?.rootMs);
        const issuer = await createIssuer(root, trustDomain, now, this.#options.lifetimes?.issuerMs);
        next = CertificateAuthority.fromParts(issuer.cert, [], issuer.key, trustBundle(trustDomain, [root.cert], now), now);
        await writeFileAtomic(join(nextDir, CA_DIR_FILES.rootKey), root.key.exportPkcs8Pem(), 0o600);
      }
      if (next.issuer.raw.equals(this.#current.issuer.raw)) throw new WeftError('WEFT_CONFIG_INVALID', 'the new CA\'s issuer is the current one; bring a new issuer certificate and key', { path: brought?.certFile });
      await writeFileAtomic(join(nextDir, CA_DIR_FILES.rootCert), bundlePem(next.bundle), 0o644);
      await writeFileAtomic(join(nextDir, CA_DIR_FILES.issuerKey), next.exportKeyPem(), 0o600);
      await writeFileAtomic(join(nextDir, CA_DIR_FILES.issuerCert), next.issuerChainPem(), 0o644);
      const committed: RotationRecord = {
        version: 1,
        phase: 'prepared',
        preparedAt: now.toISOString(),
        oldRoots: fingerprints(this.#current),
        oldIssuer: this.#current.issuer.fingerprint256,
        newIssuer: next.issuer.fingerprint256,
        source: brought ? 'brought' : 'generated',
      };
      await this.#commit(committed);
      this.#next = next;
      return this.#publish(committed);
    });
  }

  /** Phase 2: the new issuer signs; the bundle still holds both roots. */
  activate(): Promise<CaView> {
    return this.#serial(async () => {
      const { record } = this.#view;
      if (record === undefined) throw conflict('no rotation in progress; start one with `weft ca rotate prepare`');
      if (record.phase !== 'prepared') throw conflict(`the rotation was already activated at ${record.activatedAt}; the next step is \`weft ca rotate finish\``);
      const committed: RotationRecord = { ...record, phase: 'activated', activatedAt: this.#now().toISOString() };
      await this.#commit(committed);
      return this.#publish(committed);
    });
  }

  /**
   * Phase 3: the old roots leave the bundle; the new CA is the CA. A generated start's CA
   * directory is rewritten with the new CA at once; with a brought CA (`--ca-*` flags) the next
   * start must name the new CA's files, or none to use the copies in `next/`.
   */
  finish(): Promise<CaView> {
    return this.#serial(async () => {
      const { record } = this.#view;
      if (record === undefined) throw conflict('no rotation in progress; start one with `weft ca rotate prepare`');
      if (record.phase !== 'activated') throw conflict('the rotation is prepared but not activated: run `weft ca rotate activate` first, and finish once every workload certificate comes from the new issuer');
      const committed: RotationRecord = { ...record, phase: 'finished', finishedAt: this.#now().toISOString() };
      await this.#commit(committed);
      if (this.#options.brought === undefined) {
        await promote(this.#options.dir);
        await clear(this.#options.dir);
      } else {
        this.#awaitingRestart = true;
      }
      this.#current = this.#next!;
      this.#next = undefined;
      return this.#publish(undefined);
    });
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #commit(record: RotationRecord): Promise<void> {
    await writeFileAtomic(join(this.#options.dir, STATE_FILE), `${JSON.stringify(record, null, 2)}\n`, 0o644);
  }

  #publish(record: RotationRecord | undefined): CaView {
    this.#view = this.#build(record);
    for (const listener of this.#listeners) listener(this.#view);
    return this.#view;
  }

  #build(record: RotationRecord | undefined): CaView {
    const current = this.#current;
    const next = this.#next;
    if (record === undefined || next === undefined || record.phase === 'finished') {
      return { phase: 'steady', ca: current, issuers: [current.issuer], retiringRoots: [], record: undefined };
    }
    const bundle = mergeBundles(current.bundle, next.bundle);
    const signer = record.phase === 'prepared' ? current : next;
    return {
      phase: record.phase,
      ca: signer.withBundle(bundle, this.#now()),
      issuers: [current.issuer, next.issuer],
      oldIssuer: current.issuer,
      newIssuer: next.issuer,
      retiringRoots: current.bundle.roots.filter((r) => !next.bundle.roots.some((n) => n.raw.equals(r.raw))),
      record,
    };
  }
}

function nextFiles(dir: string): CaFiles {
  const next = join(dir, NEXT_DIR);
  return { certFile: join(next, CA_DIR_FILES.issuerCert), keyFile: join(next, CA_DIR_FILES.issuerKey), rootsFile: join(next, CA_DIR_FILES.rootCert) };
}

/** Copies `next/` over the CA directory's files (idempotent: a crash half-way is redone at the next start). */
async function promote(dir: string): Promise<void> {
  const next = join(dir, NEXT_DIR);
  if (!(await pathExists(join(next, CA_DIR_FILES.issuerCert)))) return; // promoted and cleared before
  // A brought new CA has no root key here: the old root's key must not stay beside its certificate's successor.
  if (await pathExists(join(next, CA_DIR_FILES.rootKey))) {
    await writeFileAtomic(join(dir, CA_DIR_FILES.rootKey), await readFile(join(next, CA_DIR_FILES.rootKey), 'utf8'), 0o600);
  } else {
    await rm(join(dir, CA_DIR_FILES.rootKey), { force: true });
  }
  await writeFileAtomic(join(dir, CA_DIR_FILES.rootCert), await readFile(join(next, CA_DIR_FILES.rootCert), 'utf8'), 0o644);
  await writeFileAtomic(join(dir, CA_DIR_FILES.issuerKey), await readFile(join(next, CA_DIR_FILES.issuerKey), 'utf8'), 0o600);
  await writeFileAtomic(join(dir, CA_DIR_FILES.issuerCert), await readFile(join(next, CA_DIR_FILES.issuerCert), 'utf8'), 0o644);
}

/** Ends a rotation: the state file first (its absence is the steady state), then the copies. */
async function clear(dir: string): Promise<void> {
  await rm(join(dir, STATE_FILE), { force: true });
  await rm(join(dir, NEXT_DIR), { recursive: true, force: true });
}
