// A byte tunnel between two sockets: TCP proxying and upgraded HTTP (WebSocket) connections.
import type { Socket } from 'node:net';

/**
 * Pipes `a` ⇄ `b` with backpressure. Bytes already read past an HTTP head are written
 * first. Either side closing (or failing) closes the other; `done` gets the byte counts
 * (sent = toward `a`, received = from `a`).
 */
export function tunnel(a: Socket, b: Socket, aHead: Buffer, bHead: Buffer, done: (sent: number, received: number) => void): void {
  let sent = bHead.length;
  let received = aHead.length;
  let open = 2;
  if (bHead.length > 0) a.write(bHead);
  if (aHead.length > 0) b.write(aHead);
  a.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (!b.write(chunk)) a.pause();
  });
  b.on('data', (chunk: Buffer) => {
    sent += chunk.length;
    if (!a.write(chunk)) b.pause();
  });
  a.on('drain', () => b.resume());
  b.on('drain', () => a.resume());
  // A half-close (FIN) is passed on; once either socket is fully closed, the other is too.
  a.on('end', () => b.end());
  b.on('end', () => a.end());
  const closed = (): void => {
    if (--open > 0) {
      a.destroy();
      b.destroy();
      return;
    }
    done(sent, received);
  };
  a.on('error', () => {});
  b.on('error', () => {});
  a.once('close', closed);
  b.once('close', closed);
  a.resume();
  b.resume();
}
