// H1Parser: the HTTP/1.1 message-stream state machine (find heads, frame bodies, de-chunk, pipeline, pause, hand off tunnels).
import type { HeaderList } from '../headers.ts';
import { WeftError } from '../../../core/errors.ts';
import { CR, LF } from './chars.ts';
import { parseChunkLine } from './chunked.ts';
import { bad, H1ParseError } from './errors.ts';
import { checkTrailerName, FieldFacts } from './field-facts.ts';
import { Accumulator, checkPartialHead } from './partial.ts';
import { buildFields, scanFieldLine } from './field-lines.ts';
import { parseRequestHead } from './request-head.ts';
import { parseResponseHead } from './response-head.ts';
import { DEFAULT_LIMITS, type H1Handler, type H1Limits, type RequestHead, type ResponseHead } from './types.ts';

export { H1ParseError } from './errors.ts';
export { DEFAULT_LIMITS, type BodyFraming, type H1Handler, type H1Limits, type RequestHead, type ResponseHead } from './types.ts';

// States. Everything at or above S_STOPPED ends the run loop for good.
const S_HEAD = 0;
const S_BODY = 1; // Content-Length body: #remaining bytes left
const S_CHUNK_LINE = 2;
const S_CHUNK_DATA = 3; // #remaining bytes of the current chunk left
const S_CHUNK_CR = 4;
const S_CHUNK_LF = 5;
const S_TRAILER = 6;
const S_CLOSE_BODY = 7; // response body delimited by the connection closing
const S_MSG_END = 8; // message fully read; onComplete not yet delivered
const S_UPGRADED = 9; // protocol switch: paused until the caller takes the bytes or resumes HTTP
const S_STOPPED = 10; // bytes handed over by takeRemaining()
const S_DEAD = 11; // error delivered or peer closed

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** Total chunk-extension bytes allowed per message: extensions carry nothing we use, so they must not cost much. */
const CHUNK_EXT_BUDGET = 16 * 1024;
/** Chunk-line bytes that need no extension budget: 16 hex digits. */
const CHUNK_SIZE_MAX = 16;

export class H1Parser<Head> {
  readonly #handler: H1Handler<Head>;
  readonly #request: boolean;
  readonly #limits: H1Limits;
  readonly #facts = new FieldFacts();
  /** Methods of requests whose responses are awaited, oldest first (response parser only). */
  readonly #methods: string[] = [];
  #state = S_HEAD;
  #remaining = 0;
  /** Bytes of an unfinished head or line, copied out of earlier chunks. */
  readonly #acc = new Accumulator();
  /** The request line of the buffered partial head is complete and its target was checked against maxUriBytes. */
  #uriChecked = false;
  /** Input received while paused, copied: the caller may reuse a chunk's memory once execute() returns. */
  #kept: Buffer | null = null;
  /** The buffer being run and the position of its first unconsumed byte, kept current before each event. */
  #cur: Buffer = EMPTY;
  #pos = 0;
  #running = false;
  #paused = false;
  #finishPending = false;
  /** The current message switches protocols: stop after its onComplete. */
  #stopAfter = false;
  /** Head bytes of the current message; trailers share the maxHeaderBytes budget with it. */
  #headBytes = 0;
  #extBudget = 0;
  #trailers: HeaderList | null = null;

  private constructor(handler: H1Handler<Head>, request: boolean, limits: Partial<H1Limits> | undefined) {
    this.#handler = handler;
    this.#request = request;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  static requests(handler: H1Handler<RequestHead>, limits?: Partial<H1Limits>): H1Parser<RequestHead> {
    return new H1Parser(handler, true, limits);
  }

  static responses(handler: H1Handler<ResponseHead>, limits?: Partial<H1Limits>): H1Parser<ResponseHead> {
    return new H1Parser(handler, false, limits);
  }

  /** Between messages with no partial bytes buffered: safe to reuse or close a keep-alive connection. */
  get idle(): boolean {
    return this.#state === S_HEAD && this.#acc.len === 0 && this.#kept === null && (!this.#running || this.#pos >= this.#cur.length);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Feeds bytes; events fire synchronously. The parser keeps no reference to `chunk` once this returns (what it
   * keeps, it copies), so the caller may read the next bytes into the same memory; body subarrays handed to
   * onData are views of `chunk`, valid during the call only — a handler that keeps one must copy it or keep the
   * memory from being reused (see reads.ts).
   */
  execute(chunk: Buffer): void {
    const st = this.#state;
    if (st === S_DEAD) return;
    if (st === S_STOPPED) throw new WeftError('WEFT_INTERNAL', 'H1Parser.execute after takeRemaining(): these bytes belong to the tunnel');
    if (this.#running) throw new WeftError('WEFT_INTERNAL', 'H1Parser.execute called from inside a handler');
    if (chunk.length === 0) return;
    if (this.#paused) {
      this.#kept = this.#kept === null ? Buffer.from(chunk) : Buffer.concat([this.#kept, chunk]);
      return;
    }
    this.#run(chunk, false);
  }

  /** Stops after the current event; unconsumed bytes are kept for resume(). */
  pause(): void {
    if (this.#state < S_STOPPED) this.#paused = true;
  }

  /** Continues with kept bytes synchronously (inside a handler: as soon as the handler returns). After an upgrade: keep parsing HTTP. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#state === S_UPGRADED) this.#state = S_HEAD;
    if (this.#running) return;
    const kept = this.#kept;
    this.#kept = null;
    this.#run(kept ?? EMPTY, true);
  }

  /** The peer closed: completes a close-delimited body; mid-message it is an 'incomplete-message' error. */
  finish(): void {
    if (this.#state >= S_STOPPED) return;
    if (this.#paused || this.#running) this.#finishPending = true;
    else this.#finishNow();
  }

  /** Response parser: the method of the next request sent on this connection (HEAD has no body; CONNECT 2xx is a tunnel). */
  expectResponseTo(method: string): void {
    if (this.#request) throw new WeftError('WEFT_INTERNAL', 'expectResponseTo() is for response parsers');
    this.#methods.push(method);
  }

  /** Hands over every byte after the current position (tunnels, upgrades); the parser stops for good. */
  takeRemaining(): Buffer {
    const parts: Buffer[] = [];
    if (this.#acc.len > 0) parts.push(Buffer.from(this.#acc.bytes()));
    if (this.#running && this.#pos < this.#cur.length) parts.push(Buffer.from(this.#cur.subarray(this.#pos)));
    if (this.#kept !== null) parts.push(this.#kept);
    this.#state = S_STOPPED;
    this.#paused = false;
    this.#kept = null;
    this.#acc.reset();
    return parts.length === 1 ? parts[0] : parts.length === 0 ? EMPTY : Buffer.concat(parts);
  }

  /** `owned`: `buf` is the parser's own copy (kept bytes), so what is left of it can be kept without copying again. */
  #run(buf: Buffer, owned: boolean): void {
    this.#cur = buf;
    this.#pos = 0;
    this.#running = true;
    try {
      this.#loop(buf);
    } catch (err) {
      if (!(err instanceof H1ParseError)) {
        // A handler threw: where the stream stands is unknown, so no further byte may be read as a message.
        this.#state = S_DEAD;
        throw err;
      }
      this.#fail(err);
    } finally {
      this.#running = false;
      if (this.#paused && this.#state < S_STOPPED && this.#pos < buf.length) {
        // Copying only the caller's bytes keeps a long pipelined burst linear: kept bytes are not copied again.
        this.#kept = owned ? buf.subarray(this.#pos) : Buffer.from(buf.subarray(this.#pos));
      }
      this.#cur = EMPTY;
    }
    if (this.#finishPending && !this.#paused && this.#state < S_STOPPED) {
      this.#finishPending = false;
      this.#finishNow();
    }
  }

  // Each iteration starts at an event boundary, where a pause, takeRemaining() or error from the last handler takes effect.
  // `#pos` is written before every event so that handlers see the right `idle` and `takeRemaining()`.
  #loop(buf: Buffer): void {
    const len = buf.length;
    let off = 0;
    for (;;) {
      if (this.#paused || this.#state >= S_STOPPED) {
        this.#pos = off;
        return;
      }
      switch (this.#state) {
        case S_MSG_END:
          this.#pos = off;
          this.#endMessage();
          continue;
        case S_HEAD:
          if (off === len) break;
          off = this.#head(buf, off);
          continue;
        case S_BODY:
        case S_CHUNK_DATA: {
          if (off === len) break;
          const n = Math.min(this.#remaining, len - off);
          if ((this.#remaining -= n) === 0) this.#state = this.#state === S_BODY ? S_MSG_END : S_CHUNK_CR;
          this.#pos = off + n;
          this.#handler.onData(buf.subarray(off, off + n));
          off += n;
          continue;
        }
        case S_CHUNK_CR:
          if (off === len) break;
          if (buf[off++] !== CR) bad('invalid-chunk-end');
          this.#state = S_CHUNK_LF;
          continue;
        case S_CHUNK_LF:
          if (off === len) break;
          if (buf[off++] !== LF) bad('invalid-chunk-end');
          this.#state = S_CHUNK_LINE;
          continue;
        case S_CHUNK_LINE:
        case S_TRAILER:
          if (off === len) break;
          off = this.#line(buf, off);
          continue;
        case S_CLOSE_BODY:
          if (off === len) break;
          this.#pos = len;
          this.#handler.onData(off === 0 ? buf : buf.subarray(off));
          off = len;
          continue;
      }
      this.#pos = off;
      return;
    }
  }

  #endMessage(): void {
    if (this.#stopAfter) {
      // After a protocol switch the bytes are no longer HTTP: wait for the caller to take them or refuse the switch.
      this.#stopAfter = false;
      this.#state = S_UPGRADED;
      this.#paused = true;
    } else {
      this.#state = S_HEAD;
    }
    this.#handler.onComplete();
  }

  /**
   * Parses a head straight from the chunk when it is all there (the common case: one scan, no search). Otherwise
   * buffers it, bounded by the limit, and re-parses only once a CRLFCRLF search over the new bytes finds its end.
   * Returns the new offset.
   */
  #head(buf: Buffer, off: number): number {
    const limit = this.#limits.maxHeaderBytes + (this.#request ? 2 : 0); // one empty line may precede a request-line
    if (this.#acc.len === 0) {
      const head = this.#parseHead(buf, off, buf.length);
      if (head !== null) {
        const next = this.#facts.headEnd;
        this.#startMessage(head, next);
        return next;
      }
      this.#uriChecked = checkPartialHead(buf, off, buf.length, off, limit, this.#limits, this.#request, this.#uriChecked);
      this.#acc.append(buf, off, buf.length);
      return buf.length;
    }
    const old = this.#acc.len;
    const take = Math.min(buf.length - off, limit + 4 - old); // never copy more than a head can hold
    this.#acc.append(buf, off, off + take);
    // A view bounded to the kept bytes: searching the spare capacity too would make a trickled head quadratic.
    const kept = this.#acc.bytes();
    const idx = kept.indexOf(CRLFCRLF, old > 3 ? old - 3 : 0);
    if (idx !== -1) {
      const head = this.#parseHead(kept, 0, kept.length);
      if (head === null) bad('incomplete-head'); // unreachable: a CRLFCRLF ends every head that has not failed
      const next = off + this.#facts.headEnd - old;
      this.#acc.reset();
      this.#startMessage(head, next);
      return next;
    }
    this.#uriChecked = checkPartialHead(kept, 0, kept.length, old, limit, this.#limits, this.#request, this.#uriChecked);
    return off + take;
  }

  #parseHead(b: Buffer, s: number, len: number): RequestHead | ResponseHead | null {
    if (this.#request) return parseRequestHead(b, s, len, this.#limits, this.#facts);
    const methods = this.#methods;
    const head = parseResponseHead(b, s, len, this.#limits, this.#facts, methods.length > 0 ? methods[0] : 'GET');
    // Interim 1xx responses precede the real one: the request still awaits its final response.
    if (head !== null && (head.status >= 200 || head.status === 101) && methods.length > 0) methods.shift();
    return head;
  }

  /** Sets up body framing for a parsed head and delivers it; `next` = position in the current chunk after the head. */
  #startMessage(head: RequestHead | ResponseHead, next: number): void {
    this.#uriChecked = false;
    this.#headBytes = this.#facts.headBytes;
    this.#stopAfter = head.upgrade !== null;
    const f = head.framing;
    if (f.kind === 'chunked') {
      this.#state = S_CHUNK_LINE;
      this.#extBudget = CHUNK_EXT_BUDGET;
      this.#trailers = null;
    } else if (f.kind === 'close') {
      this.#state = S_CLOSE_BODY;
    } else {
      this.#remaining = f.kind === 'length' ? f.length : 0;
      this.#state = this.#remaining > 0 ? S_BODY : S_MSG_END;
    }
    this.#pos = next;
    this.#handler.onHead(head as Head);
  }

  /** Gathers one CRLF-terminated line (chunk-size line or trailer field) across chunks, then acts on it. Returns the new offset. */
  #line(buf: Buffer, off: number): number {
    const chunkLine = this.#state === S_CHUNK_LINE;
    const cap = chunkLine ? this.#extBudget + CHUNK_SIZE_MAX + 2 : this.#limits.maxHeaderBytes - this.#headBytes + 2;
    let b: Buffer;
    let s: number;
    let lf: number;
    let next: number;
    if (this.#acc.len === 0) {
      lf = buf.indexOf(LF, off);
      if (lf === -1 || lf - off >= cap) {
        if (buf.length - off > cap || lf !== -1) this.#lineTooLong(chunkLine);
        this.#acc.append(buf, off, buf.length);
        return buf.length;
      }
      b = buf;
      s = off;
      next = lf + 1;
    } else {
      const old = this.#acc.len;
      const take = Math.min(buf.length - off, cap + 1 - old);
      this.#acc.append(buf, off, off + take);
      b = this.#acc.bytes();
      lf = b.indexOf(LF, old);
      if (lf === -1) {
        if (this.#acc.len > cap) this.#lineTooLong(chunkLine);
        return off + take;
      }
      if (lf + 1 > cap) this.#lineTooLong(chunkLine);
      s = 0;
      next = off + lf + 1 - old;
      this.#acc.reset();
    }
    if (lf === s || b[lf - 1] !== CR) bad('bare-lf');
    const e = lf - 1;
    if (chunkLine) {
      const size = parseChunkLine(b, s, e);
      if (e - s > CHUNK_SIZE_MAX && (this.#extBudget -= e - s) < 0) bad('chunk-extensions-too-large');
      this.#remaining = size;
      this.#state = size === 0 ? S_TRAILER : S_CHUNK_DATA;
      return next;
    }
    if (e === s) {
      this.#state = S_MSG_END;
      const trailers = this.#trailers;
      this.#trailers = null;
      if (trailers !== null) {
        this.#pos = next;
        this.#handler.onTrailers(trailers);
      }
      return next;
    }
    this.#headBytes += lf + 1 - s;
    if (++this.#facts.count > this.#limits.maxHeaderCount) throw new H1ParseError(431, 'too-many-headers');
    const trailers = (this.#trailers ??= []);
    scanFieldLine(b, s, lf + 1, 0);
    buildFields(b, b.toString('latin1', s, lf + 1), s, 1, trailers, null);
    checkTrailerName(trailers[trailers.length - 2]);
    return next;
  }

  #lineTooLong(chunkLine: boolean): never {
    if (chunkLine) bad('chunk-extensions-too-large');
    throw new H1ParseError(431, 'headers-too-large');
  }

  #finishNow(): void {
    const st = this.#state;
    this.#state = S_DEAD;
    if (st === S_CLOSE_BODY) this.#handler.onComplete();
    else if (st !== S_UPGRADED && !(st === S_HEAD && this.#onlyEmptyLine())) {
      this.#state = st;
      this.#fail(new H1ParseError(400, 'incomplete-message'));
    }
  }

  /** Nothing buffered but (part of) the one empty line a client may send after a body: closing then is clean. */
  #onlyEmptyLine(): boolean {
    const a = this.#acc;
    return a.len === 0 || (this.#request && a.len <= 2 && a.buf[0] === CR && (a.len === 1 || a.buf[1] === LF));
  }

  #fail(err: H1ParseError): void {
    this.#state = S_DEAD;
    this.#paused = false;
    this.#kept = null;
    this.#acc.reset();
    this.#handler.onError(this.#request ? err : new H1ParseError(502, err.reason, `invalid upstream response (${err.message})`));
  }
}
