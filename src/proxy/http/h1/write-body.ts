// One body chunk onto an HTTP/1.1 socket, with chunked framing when the message has it. The
// chunk may be a view of the other side's read buffer (reads.ts): a write still pending holds on
// to it, so that buffer must then not be read into again.
import type { Socket } from 'node:net';
import { keepReadBuffer } from './reads.ts';
import { CHUNK_SUFFIX, chunkPrefix } from './serialize.ts';

/** Writes `chunk` (non-empty); returns socket.write's verdict (false: wait for 'drain'). */
export function writeBody(socket: Socket, chunk: Buffer, chunked: boolean): boolean {
  let ok: boolean;
  if (!chunked) {
    ok = socket.write(chunk);
  } else {
    socket.cork();
    socket.write(chunkPrefix(chunk.length), 'latin1');
    socket.write(chunk);
    ok = socket.write(CHUNK_SUFFIX, 'latin1');
    socket.uncork();
  }
  // Pending: not yet in the kernel (a full socket buffer, or a connection still opening).
  if (socket.writableLength !== 0) keepReadBuffer();
  return ok;
}
