// Socket reads into a buffer reused from one read to the next (net.Socket's `onread`), instead
// of a fresh allocation and a pass through Node's Readable machinery per read.
import net from 'node:net';

/**
 * Each socket's read buffer starts at HAProxy's buffer size, enough for a typical head and body in
 * one read, so thousands of idle keep-alive connections stay cheap; a socket whose read fills it
 * (bulk data) moves to Node's own default read size, for fewer reads per byte.
 */
const READ_SIZE = 16 * 1024;
const BULK_READ_SIZE = 64 * 1024;

/** Called with each chunk read; the chunk's memory is reused by the next read unless keepReadBuffer() is called. */
export type OnRead = (chunk: Buffer) => void;

/** One socket's read state. */
class Reads {
  buf: Buffer = Buffer.allocUnsafe(READ_SIZE);
  /** The chunk being delivered is still referenced after the callback: the next read needs fresh memory. */
  kept = false;
  onRead: OnRead;
  /** Handed over to code that reads with 'data' events (a tunnel). */
  events: net.Socket | null = null;

  constructor(onRead: OnRead) {
    this.onRead = onRead;
  }

  /** Node calls this after every read for the buffer the next read goes into. */
  readonly next = (): Buffer => {
    if (this.kept) {
      this.kept = false;
      this.buf = Buffer.allocUnsafe(this.buf.length);
    }
    return this.buf;
  };

  /** Always true: keep reading (pause() stops reads itself). */
  readonly callback = (n: number, buf: Uint8Array): boolean => {
    if (n === buf.length && n < BULK_READ_SIZE) {
      // A full read: bulk data is flowing; the next reads go into a larger buffer (this one is dropped).
      this.buf = Buffer.allocUnsafe(BULK_READ_SIZE);
    }
    const chunk = (buf as Buffer).subarray(0, n);
    if (this.events !== null) {
      this.kept = true; // 'data' listeners may keep what they are given, as with Node's own reads
      this.events.emit('data', chunk);
      return true;
    }
    delivering = this;
    try {
      this.onRead(chunk);
    } finally {
      delivering = null;
    }
    return true;
  };
}

/** The socket whose chunk is being delivered right now (reads never nest: each callback runs to completion). */
let delivering: Reads | null = null;

/**
 * A handler was given a chunk straight from a read and something still refers to it after the
 * handler returns (typically a write that did not complete at once, or an HTTP/2 stream that
 * queues it): the socket's next read goes into fresh memory instead of overwriting it.
 */
export function keepReadBuffer(): void {
  if (delivering !== null) delivering.kept = true;
}

const reads = new WeakMap<net.Socket, Reads>();

/** net.connect() whose reads go to `onRead` through a reused buffer. */
export function connectReading(options: net.TcpNetConnectOpts, onRead: OnRead): net.Socket {
  const r = new Reads(onRead);
  const socket = net.connect({ ...options, onread: { buffer: r.next, callback: r.callback } });
  reads.set(socket, r);
  return socket;
}

// Node offers `onread` only to sockets it creates from options; an accepted socket gets it by
// setting the same three fields net.Socket's constructor sets from that option (found by their
// symbols' names) and pointing its handle at the buffer, exactly what the constructor does.
const probe = new net.Socket();
const symbol = (name: string): symbol | undefined => Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
const kBuffer = symbol('kBuffer');
const kBufferCb = symbol('kBufferCb');
const kBufferGen = symbol('kBufferGen');
probe.destroy();

interface StreamHandle { useUserBuffer?(buf: Uint8Array): void }

/**
 * Makes an accepted socket read into a reused buffer, delivering to `onRead`; returns false (and
 * changes nothing) when this Node does not allow it, in which case the caller uses 'data' events.
 * Bytes Node has already buffered are delivered first.
 */
export function adoptReading(socket: net.Socket, onRead: OnRead): boolean {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  if (handle === null || typeof handle.useUserBuffer !== 'function' || socket.listenerCount('data') > 0) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[kBuffer] !== null) return false; // already reading into a user buffer
  const r = new Reads(onRead);
  const buffered: Buffer[] = [];
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) buffered.push(chunk);
  s[kBuffer] = r.buf;
  s[kBufferCb] = r.callback;
  s[kBufferGen] = r.next;
  handle.useUserBuffer(r.buf);
  reads.set(socket, r);
  for (const chunk of buffered) onRead(chunk);
  return true;
}

/** Whether a socket reads through connectReading() / adoptReading(). */
export function readsIntoBuffer(socket: net.Socket): boolean {
  return reads.has(socket);
}

/**
 * From now on the socket's reads arrive as 'data' events in fresh buffers, as for any socket
 * (for code such as a tunnel that expects them); pause() and resume() work as usual.
 */
export function readWithEvents(socket: net.Socket): void {
  const r = reads.get(socket);
  if (r === undefined) return;
  r.events = socket;
  r.kept = true;
}
