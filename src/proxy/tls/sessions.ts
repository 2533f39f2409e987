// The TLS sessions a context opened or accepted that are still open, each with what its peer was
// checked against, so they can be ended when what authenticated them goes: this proxy's
// certificate (expiry) or the trust in the peer (its root left the bundle). Per connection, never per request.
import type { TLSSocket } from 'node:tls';

export class OpenSessions<T> {
  readonly #open = new Map<TLSSocket, T>();
  #onEmpty: (() => void) | null = null;

  add(socket: TLSSocket, data: T): void {
    this.#open.set(socket, data);
    socket.once('close', () => {
      this.#open.delete(socket);
      if (this.#open.size === 0 && this.#onEmpty !== null) {
        const fn = this.#onEmpty;
        this.#onEmpty = null;
        fn();
      }
    });
  }

  endAll(): void {
    for (const socket of this.#open.keys()) socket.destroy();
  }

  /** Hands every session whose peer `trusted` no longer accepts to `end` (default: destroy it); returns how many. */
  recheck(trusted: (socket: TLSSocket, data: T) => boolean, end: (socket: TLSSocket) => void = (socket) => socket.destroy()): number {
    let ended = 0;
    for (const [socket, data] of this.#open) {
      if (trusted(socket, data)) continue;
      this.#open.delete(socket);
      end(socket);
      ended++;
    }
    return ended;
  }

  /** Calls `fn` once no session is open: now if none is. */
  whenEmpty(fn: () => void): void {
    if (this.#open.size === 0) fn();
    else this.#onEmpty = fn;
  }
}
