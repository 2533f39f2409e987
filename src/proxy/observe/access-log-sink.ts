// Where access-log batches go: a file descriptor (async fs.writev, one call in flight) or a
// stream. Neither blocks the event loop on a slow disk or a full pipe; both keep batch order.
import { close as closeFd, openSync, writev } from 'node:fs';
import { WeftError } from '../../core/index.ts';

export interface AccessLogSink {
  /** Takes one batch of complete lines (the sink owns the buffer). Batches must arrive in call order. */
  write(batch: Buffer): void;
  /** Bytes taken but not yet written; the access log sheds batches past a limit. */
  backlog(): number;
  /** Lines lost to write errors so far. */
  failedLines(): number;
  /** Resolves once every batch taken has been written (or has failed); releases the destination. */
  close(): Promise<void>;
}

/** Appends to `path` (created if missing). Opened synchronously so a bad path fails at startup. */
export function fileSink(path: string): AccessLogSink {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (cause) {
    throw new WeftError('WEFT_IO', `cannot open access log ${path}: ${(cause as Error).message}`, { cause });
  }
  return new FdSink(fd);
}

/**
 * Concurrent fs.write calls on one fd run on different threadpool threads and may land out of
 * order, so exactly one writev is in flight; batches arriving meanwhile go out together next.
 */
class FdSink implements AccessLogSink {
  readonly #fd: number;
  #queued: Buffer[] = [];
  #queuedBytes = 0;
  #inFlightBytes = 0; // 0 when idle
  #failed = 0;
  #idle: (() => void)[] = [];

  constructor(fd: number) {
    this.#fd = fd;
  }

  write(batch: Buffer): void {
    this.#queued.push(batch);
    this.#queuedBytes += batch.length;
    if (this.#inFlightBytes === 0) this.#next();
  }

  backlog(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  failedLines(): number {
    return this.#failed;
  }

  async close(): Promise<void> {
    if (this.#inFlightBytes > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await new Promise<void>((resolve) => closeFd(this.#fd, () => resolve()));
  }

  #next(): void {
    if (this.#queued.length === 0) {
      this.#inFlightBytes = 0;
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    const buffers = this.#queued;
    this.#inFlightBytes = this.#queuedBytes;
    this.#queued = [];
    this.#queuedBytes = 0;
    this.#writev(buffers);
  }

  #writev(buffers: Buffer[]): void {
    writev(this.#fd, buffers, (err, written) => {
      if (err) {
        for (const b of buffers) this.#failed += countLines(b);
      } else {
        const rest = unwritten(buffers, written);
        if (rest.length > 0) {
          this.#writev(rest); // short write (pipe, signal): finish these before later batches
          return;
        }
      }
      this.#next();
    });
  }
}

/** The part of `buffers` past the first `written` bytes. */
function unwritten(buffers: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && written >= buffers[i].length) written -= buffers[i++].length;
  if (i === buffers.length) return [];
  return [buffers[i].subarray(written), ...buffers.slice(i + 1)];
}

let stdoutErrorsHandled = false;

/** Writes to a stream; for process.stdout that is async on pipes (the Kubernetes case). */
export function streamSink(stream: NodeJS.WritableStream & { writableLength?: number }): AccessLogSink {
  let pending = 0;
  let failed = 0;
  const idle: (() => void)[] = [];
  if (stream === process.stdout && !stdoutErrorsHandled) {
    // A vanished log reader (EPIPE) is reported through the write callback below; without a
    // listener the 'error' event would also crash the proxy, which must keep serving traffic.
    stdoutErrorsHandled = true;
    process.stdout.on('error', () => {});
  }
  return {
    write(batch) {
      pending++;
      stream.write(batch, (err) => {
        if (err) failed += countLines(batch);
        if (--pending === 0) for (const resolve of idle.splice(0)) resolve();
      });
    },
    backlog: () => stream.writableLength ?? 0,
    failedLines: () => failed,
    async close() {
      // The stream is not ours to end (stdout outlives the access log): wait for our writes only.
      if (pending > 0) await new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

function countLines(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}
