// The TLS sessions a context opened or accepted that are still open, so they can be ended when
// the certificate that authenticated them goes (expiry). Per connection, never per request.
import type { TLSSocket } from 'node:tls';

export class OpenSessions {
  readonly #open = new Set<TLSSocket>();
  #onEmpty: (() => void) | null = null;

  add(socket: TLSSocket): void {
    this.#open.add(socket);
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
    for (const socket of this.#open) socket.destroy();
  }

  /** Calls `fn` once no session is open: now if none is. */
  whenEmpty(fn: () => void): void {
    if (this.#open.size === 0) fn();
    else this.#onEmpty = fn;
  }
}
