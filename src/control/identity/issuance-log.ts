// The issuance log: one JSON line per workload certificate signed (serial, SPIFFE ID, expiry, the token it descends from) — never a key.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WeftError } from '../../core/index.ts';
import { writeFileAtomic } from '../../pki/index.ts';

export interface IssuedRecord {
  /** Certificate serial number, hex as node:crypto prints it. */
  readonly serial: string;
  readonly spiffeId: string;
  /** ISO-8601. */
  readonly issuedAt: string;
  readonly notAfter: string;
  /** The token (`jti`) the certificate descends from, through any number of renewals. */
  readonly lineage: string;
  /** How it was authenticated: a workload token, or the previous certificate (mTLS renewal). */
  readonly via: 'token' | 'renewal';
  /** SHA-256 fingerprint of the issuer that signed it (absent in logs written before root rotation existed). */
  readonly issuer?: string;
  /** A renewal: the serial of the certificate it replaces (that one is no longer in use). */
  readonly replaces?: string;
}

function parseLine(line: string): IssuedRecord | undefined {
  try {
    const r = JSON.parse(line) as IssuedRecord;
    const fields = [r.serial, r.spiffeId, r.issuedAt, r.notAfter, r.lineage];
    if (fields.every((f) => typeof f === 'string') && (r.via === 'token' || r.via === 'renewal') && !Number.isNaN(Date.parse(r.notAfter))) return r;
  } catch {
    // a torn last line after a crash: skipped (that certificate then renews with a token)
  }
  return undefined;
}

/** Reads a log file; a missing file is an empty log. Unreadable lines are skipped. */
export async function readIssuanceLog(path: string): Promise<IssuedRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WeftError('WEFT_IO', `cannot read the issuance log: ${(err as NodeJS.ErrnoException).code}`, { path, cause: err });
  }
  return text.split('\n').filter((l) => l.length > 0).map(parseLine).filter((r) => r !== undefined);
}

/**
 * The live part of the log in memory (renewals look certificates up by serial) and appended to a
 * file (mode 0644: nothing secret) when a path is given. Opening it drops expired entries.
 */
export class IssuanceLog {
  readonly #path: string | undefined;
  readonly #bySerial = new Map<string, IssuedRecord>();
  #queue: Promise<unknown> = Promise.resolve();
  // Expired entries are dropped from memory when the map doubles, so it holds about the live set.
  #pruneAt = 1024;

  private constructor(path: string | undefined, records: readonly IssuedRecord[]) {
    this.#path = path;
    for (const r of records) this.#bySerial.set(r.serial, r);
  }

  /** A log kept in memory only (tests; a control plane without a data directory). */
  static inMemory(): IssuanceLog {
    return new IssuanceLog(undefined, []);
  }

  static async open(path: string, now: Date = new Date()): Promise<IssuanceLog> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const all = await readIssuanceLog(path);
    const live = all.filter((r) => Date.parse(r.notAfter) > now.getTime());
    if (live.length !== all.length) await writeFileAtomic(path, live.map((r) => `${JSON.stringify(r)}\n`).join(''), 0o644);
    return new IssuanceLog(path, live);
  }

  async record(record: IssuedRecord): Promise<void> {
    this.#bySerial.set(record.serial, record);
    if (this.#bySerial.size > this.#pruneAt) {
      const now = Date.now();
      for (const [serial, r] of this.#bySerial) if (Date.parse(r.notAfter) <= now) this.#bySerial.delete(serial);
      this.#pruneAt = Math.max(1024, 2 * this.#bySerial.size);
    }
    const path = this.#path;
    if (path === undefined) return;
    const write = () => appendFile(path, `${JSON.stringify(record)}\n`, { mode: 0o644 });
    const next = this.#queue.then(write, write);
    this.#queue = next.catch(() => {});
    await next;
  }

  find(serial: string): IssuedRecord | undefined {
    return this.#bySerial.get(serial);
  }

  /** Every record held: the live ones and the expired ones not yet dropped (`weft check` looks for lapsed identities). */
  all(): IssuedRecord[] {
    return [...this.#bySerial.values()];
  }

  /** Records still valid at `now`, oldest first. */
  live(now: Date = new Date()): IssuedRecord[] {
    return [...this.#bySerial.values()].filter((r) => Date.parse(r.notAfter) > now.getTime());
  }
}
