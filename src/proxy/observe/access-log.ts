// The proxy's JSON-lines access log: lines are encoded into one buffer and handed to a sink in
// one write. A syscall per line costs ~2.3 µs here; one per batch makes it a small share.
// Lines wait at most one event-loop turn (setImmediate), so a crash loses at most that turn.
import { formatAccessLogLine, type AccessLogRecord } from './access-log-format.ts';
import { fileSink, streamSink, type AccessLogSink } from './access-log-sink.ts';

export interface AccessLogOptions {
  sink: AccessLogSink;
  /** Flush once this many lines are pending. Default 256. */
  maxBatchLines?: number;
  /** Flush before the pending bytes would pass this. Default 64 KiB. */
  maxBatchBytes?: number;
  /**
   * Bytes the sink may hold unwritten (a stalled disk or log reader) before new batches are
   * dropped and counted: a sidecar must not grow without bound because its log reader stopped.
   * Default 16 MiB.
   */
  maxBacklogBytes?: number;
}

/** Buffer's UTF-8 writer (not in Node's type definitions): write(line, offset) without the argument juggling. */
interface Utf8Writer {
  utf8Write(s: string, offset: number): number;
}

export class AccessLog {
  /** Writes to process.stdout (async on pipes, which is what Kubernetes gives a container). */
  static toStdout(): AccessLog {
    const log = new AccessLog({ sink: streamSink(process.stdout) });
    log.isStdout = true;
    return log;
  }

  /** The process-wide stdout writer: never closed by a config change. */
  isStdout = false;

  /** Appends to a file; throws WeftError WEFT_IO at once if it cannot be opened. */
  static toFile(path: string): AccessLog {
    return new AccessLog({ sink: fileSink(path) });
  }

  /** Accepts and discards records without formatting them. */
  static disabled(): AccessLog {
    return new AccessLog(null);
  }

  /** False for disabled(): callers may skip building the record at all. */
  readonly enabled: boolean;
  readonly #sink: AccessLogSink | null;
  readonly #maxLines: number;
  readonly #maxBacklog: number;
  // Lines are UTF-8-encoded straight into this buffer: encoding each short line as it comes is
  // far cheaper than flattening one large concatenated string per batch.
  readonly #buffer: Buffer;
  #bytes = 0;
  #lines = 0;
  #scheduled = false;
  #closing: Promise<void> | undefined;
  #shed = 0;
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(options: AccessLogOptions | null) {
    this.#sink = options?.sink ?? null;
    this.enabled = this.#sink !== null;
    this.#maxLines = options?.maxBatchLines ?? 256;
    this.#maxBacklog = options?.maxBacklogBytes ?? 16 * 1024 * 1024;
    this.#buffer = Buffer.allocUnsafeSlow(this.#sink === null ? 0 : (options?.maxBatchBytes ?? 64 * 1024));
  }

  write(record: AccessLogRecord): void {
    if (this.#sink === null) return;
    if (this.#closing !== undefined) {
      this.#shed++;
      return;
    }
    const line = formatAccessLogLine(record);
    const room = this.#buffer.length - this.#bytes;
    // A UTF-16 unit takes at most 3 UTF-8 bytes; only near the end is the exact size worth counting.
    if (line.length * 3 > room) {
      const size = Buffer.byteLength(line);
      if (size > room) {
        this.flush();
        if (size > this.#buffer.length) {
          this.#hand(Buffer.from(line), 1); // a line larger than a whole batch goes out alone
          return;
        }
      }
    }
    this.#bytes += (this.#buffer as unknown as Utf8Writer).utf8Write(line, this.#bytes);
    if (++this.#lines >= this.#maxLines) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }

  /** Hands pending lines to the sink now. */
  flush(): void {
    this.#flush(false);
  }

  /** Lines lost: shed under backlog, written after close, or failed in the sink. */
  get droppedLines(): number {
    return this.#shed + (this.#sink?.failedLines() ?? 0);
  }

  /** Flushes and waits until everything has been written; later writes are dropped. */
  close(): Promise<void> {
    if (this.#sink === null) return Promise.resolve();
    if (this.#closing === undefined) {
      this.#flush(true);
      this.#closing = this.#sink.close();
    }
    return this.#closing;
  }

  #flush(closing: boolean): void {
    if (this.#lines === 0) return;
    // Copy out what is used (small copies come from Node's pool) so the batch buffer is reused
    // and a quiet proxy flushing one line per turn does not allocate 64 KiB per turn.
    const batch = Buffer.allocUnsafe(this.#bytes);
    this.#buffer.copy(batch, 0, 0, this.#bytes);
    const lines = this.#lines;
    this.#bytes = 0;
    this.#lines = 0;
    this.#hand(batch, lines, closing);
  }

  #hand(batch: Buffer, lines: number, closing = false): void {
    // The final batch is never shed: close() waits for the sink anyway.
    if (!closing && this.#sink!.backlog() > this.#maxBacklog) this.#shed += lines;
    else this.#sink!.write(batch);
  }
}
