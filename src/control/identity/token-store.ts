// Where workload-token state lives: revoked token IDs and the IDs of single-use tokens already redeemed; a JSON file implementation.
import { readFile } from 'node:fs/promises';
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

/**
 * A TokenStore in one JSON file (mode 0600), rewritten atomically on each change. Operations are
 * serialized within the process; expired entries are dropped on write. Fits the embedded control
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
    const next = this.#queue.then(op, op);
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
