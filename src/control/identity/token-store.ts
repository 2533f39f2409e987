// Where workload-token state lives: revoked token IDs and the IDs of single-use tokens already redeemed; a JSON file implementation.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeftError } from '../../core/index.ts';
import { writeFileAtomic } from '../../pki/index.ts';

/** Token state the verifier needs. Entries carry the token's expiry so they can be forgotten after it. */
export interface TokenStore {
  isRevoked(jti: string): Promise<boolean>;
  revoke(jti: string, expiresAt: Date): Promise<void>;
  /** Records the first redemption of a single-use token; false when it was redeemed before. Atomic. */
  markRedeemed(jti: string, expiresAt: Date): Promise<boolean>;
}

interface FileState {
  /** jti → expiry (ms since epoch). */
  readonly revoked: Record<string, number>;
  readonly redeemed: Record<string, number>;
}

// A lock older than this is a crashed holder's (an operation takes milliseconds).
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

/**
 * Runs `op` holding `lockPath` (created exclusively), so read-modify-write cycles of two processes
 * — the control plane redeeming a token and `weft token revoke` — cannot lose each other's write.
 */
async function withFileLock<T>(lockPath: string, op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new WeftError('WEFT_IO', `cannot create the token store lock: ${(err as NodeJS.ErrnoException).code}`, { path: lockPath, cause: err });
      }
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new WeftError('WEFT_IO', `the token store is locked by another process for over ${LOCK_WAIT_MS / 1000} s; if none is running, delete the lock file`, { path: lockPath });
      await sleep(delay);
    }
  }
  try {
    return await op();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/**
 * A TokenStore in one JSON file (mode 0600), rewritten atomically on each change. Operations are
 * serialized within the process and, through a lock file beside it, across processes; expired
 * entries are dropped on write. Fits the embedded control
 * plane; a replicated control plane would implement TokenStore on its shared store instead.
 */
export class FileTokenStore implements TokenStore {
  readonly #path: string;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, now: () => number = Date.now) {
    this.#path = path;
    this.#now = now;
  }

  async #read(): Promise<FileState> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { revoked: {}, redeemed: {} };
      throw new WeftError('WEFT_IO', `cannot read the token store: ${(err as NodeJS.ErrnoException).code}`, { path: this.#path, cause: err });
    }
    try {
      const state = JSON.parse(text) as FileState;
      if (typeof state.revoked !== 'object' || typeof state.redeemed !== 'object') throw new Error('shape');
      return state;
    } catch (err) {
      // Refuse rather than start empty: an empty store would un-revoke every token.
      throw new WeftError('WEFT_IO', 'the token store is not valid JSON {"revoked":{…},"redeemed":{…}}; restore it from a backup', { path: this.#path, cause: err });
    }
  }

  async #write(state: FileState): Promise<void> {
    const now = this.#now();
    const live = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([, exp]) => exp > now));
    await writeFileAtomic(this.#path, JSON.stringify({ revoked: live(state.revoked), redeemed: live(state.redeemed) }), 0o600);
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const locked = () => withFileLock(`${this.#path}.lock`, op);
    const next = this.#queue.then(locked, locked);
    this.#queue = next.catch(() => {});
    return next;
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.#serial(async () => Object.hasOwn((await this.#read()).revoked, jti));
  }

  revoke(jti: string, expiresAt: Date): Promise<void> {
    return this.#serial(async () => {
      const state = await this.#read();
      await this.#write({ ...state, revoked: { ...state.revoked, [jti]: expiresAt.getTime() } });
    });
  }

  markRedeemed(jti: string, expiresAt: Date): Promise<boolean> {
    return this.#serial(async () => {
      const state = await this.#read();
      if (Object.hasOwn(state.redeemed, jti)) return false;
      await this.#write({ ...state, redeemed: { ...state.redeemed, [jti]: expiresAt.getTime() } });
      return true;
    });
  }
}
