// A downstream HTTP/1.1 connection: parses requests with Weft's strict codec, hands each to
// the router as a DownstreamStream, and writes responses in order (pipelining is served one
// request at a time: the parser pauses until the response in flight has been written).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks'; // the global is a getter: a module binding is cheaper per call
import type { SpiffeId } from '../../pki/index.ts';
import { H1Parser, type H1ParseError, type RequestHead as H1RequestHead } from './h1/parser.ts';
import { responseHead, responseHeadSize, writeResponseHead, chunkPrefix, lastChunk } from './h1/serialize.ts';
import { writeBody } from './h1/write-body.ts';
import type { HeaderList } from './headers.ts';
import type { DownstreamStream, HttpProtocol, RequestBodyHandler, RequestHead } from './stream.ts';
import type { HttpConnectionManager } from './connection-manager.ts';
import { serveRequest } from './exchange.ts';
import { adoptReading, readWithEvents } from './h1/reads.ts';
import { releaseLater, type Holder } from './h1/write-batch.ts';

export interface H1ServerHooks {
  /** A request was refused by the codec before routing (bad framing, limits…). */
  onRejected(err: H1ParseError, remoteAddress: string): void;
}

export function serveH1Connection(socket: Socket, hcm: () => HttpConnectionManager, hooks: H1ServerHooks, initial?: Buffer, peerIdentity: SpiffeId | null = null): H1ServerConnection {
  return new H1ServerConnection(socket, hcm, hooks, initial, peerIdentity);
}

export class H1ServerConnection implements Holder {
  readonly socket: Socket;
  private readonly hcm: () => HttpConnectionManager;
  private readonly hooks: H1ServerHooks;
  private readonly parser: H1Parser<H1RequestHead>;
  private current: H1Stream | null = null;
  private pendingError: H1ParseError | null = null;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly peerIdentity: SpiffeId | null;
  private timer: NodeJS.Timeout;
  private readonly headersTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private idleSince: number;
  private headStartedAt = 0;
  /** headStartedAt holds the time the partial head now buffered was first seen. */
  private headTimed = false;
  private waitingForHead = true;
  private closing = false;
  private handedOver = false;

  constructor(socket: Socket, hcm: () => HttpConnectionManager, hooks: H1ServerHooks, initial?: Buffer, peerIdentity: SpiffeId | null = null) {
    this.socket = socket;
    this.peerIdentity = peerIdentity;
    this.hcm = hcm;
    this.hooks = hooks;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    this.parser = H1Parser.requests({
      onHead: (head) => this.onHead(head),
      onData: (chunk) => this.current?.bodyHandler?.onRequestData(chunk),
      onTrailers: (trailers) => this.onRequestEnd(trailers),
      onComplete: () => this.onRequestEnd(null),
      onError: (err) => this.onParseError(err),
    }, { maxHeaderCount: hcm().maxHeadersCount, maxHeaderBytes: hcm().maxRequestHeadersBytes });
    // One timer per connection, firing at least once per request-headers timeout: a head must
    // be complete within that time of its first byte (slowloris defence, RELIABILITY.md A7),
    // and between requests the same timer checks the (longer) keep-alive idle timeout. The
    // request path only notes timestamps; the timer works out deadlines when it fires (a
    // refresh() per request moved the timer in Node's lists twice per request).
    this.headersTimeoutMs = hcm().requestHeadersTimeoutMs;
    this.idleTimeoutMs = hcm().idleTimeoutMs;
    this.idleSince = performance.now();
    this.timer = setTimeout(this.onTimer, this.headersTimeoutMs);
    socket.setNoDelay(true);
    socket.on('drain', this.onDrain);
    socket.on('error', () => {});
    socket.on('close', this.onSocketClose);
    if (initial && initial.length > 0) this.feed(initial);
    if (!adoptReading(socket, this.onData)) socket.on('data', this.onData);
  }

  /** Graceful drain: finish the response in flight (with Connection: close), then close. */
  drain(): void {
    if (this.current === null) this.endSocket();
    else this.closing = true;
  }

  /** Response bytes held until the end of this event-loop turn (write-batch.ts). */
  private held: Buffer | null = null;
  // Or a response head, checked and measured but not yet serialized: the response's first body
  // chunk may still join it in one buffer (heldFields non-null).
  private heldStatus = 0;
  private heldFields: HeaderList | null = null;
  private heldSize = 0;

  /** Holds a response head (see responseHeadSize) that the first body chunk may join. */
  holdHead(status: number, headers: HeaderList, size: number): void {
    if (this.held !== null || this.heldFields !== null) this.releaseHeld();
    this.heldStatus = status;
    this.heldFields = headers;
    this.heldSize = size;
    releaseLater(this);
  }

  /**
   * Joins `chunk` (with its chunked framing when `chunked`) to the held head in one buffer, still
   * held; false when no head is held. The chunk is copied, so its memory may be reused.
   */
  mergeHeld(chunk: Buffer, chunked: boolean): boolean {
    const headers = this.heldFields;
    if (headers === null) return false;
    this.heldFields = null;
    const prefix = chunked ? chunkPrefix(chunk.length) : '';
    const out = Buffer.allocUnsafe(this.heldSize + prefix.length + chunk.length + (chunked ? 2 : 0));
    let off = writeResponseHead(out, 0, this.heldStatus, headers);
    if (chunked) off += out.write(prefix, off, 'latin1');
    off += chunk.copy(out, off);
    if (chunked) {
      out[off] = 13;
      out[off + 1] = 10;
    }
    this.held = out;
    return true;
  }

  /** What is held is final: no body chunk may join it any more (its response has ended). */
  sealHeld(): void {
    const headers = this.heldFields;
    if (headers === null) return;
    this.heldFields = null;
    const out = Buffer.allocUnsafe(this.heldSize);
    writeResponseHead(out, 0, this.heldStatus, headers);
    this.held = out; // nothing else is held alongside a head: holdHead() released it
  }

  releaseHeld(): void {
    this.sealHeld();
    const data = this.held;
    if (data === null) return;
    this.held = null;
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Writes after whatever is held. */
  write(data: Buffer | string): boolean {
    if (this.held !== null || this.heldFields !== null) this.releaseHeld();
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  private endSocket(last?: string): void {
    if (this.held !== null || this.heldFields !== null) this.releaseHeld();
    if (last === undefined) this.socket.end();
    else this.socket.end(last, 'latin1');
  }

  // Socket handlers, kept by reference so an upgrade can remove exactly these.
  private readonly onData = (chunk: Buffer): void => this.feed(chunk);
  private readonly onDrain = (): void => this.current?.bodyHandler?.onResponseWritable();
  private readonly onSocketClose = (): void => this.onClose();

  private onHead(h: H1RequestHead): void {
    this.waitingForHead = false;
    this.headTimed = false;
    const hcm = this.hcm();
    const protocol: HttpProtocol = h.versionMinor === 0 ? 'HTTP/1.0' : 'HTTP/1.1';
    const stream = new H1Stream(this, protocol, h.keepAlive && !hcm.draining, h.method === 'HEAD', h.framing.kind !== 'none');
    this.current = stream;
    let path = h.target;
    let authority = h.host ?? '';
    if (path.charCodeAt(0) !== 47 /* '/' */ && path !== '*' && h.method !== 'CONNECT') {
      // absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host.
      const split = splitAbsoluteForm(path);
      path = split.path;
      authority = split.authority;
    }
    const head: RequestHead = {
      method: h.method,
      path,
      authority,
      scheme: 'http',
      headers: h.headers,
      contentLength: h.framing.kind === 'length' ? h.framing.length : h.framing.kind === 'chunked' ? -1 : 0,
      // Upgrade to h2c is deprecated (RFC 9113 §3.1): a server may ignore it and answer in HTTP/1.1.
      upgrade: h.upgrade === 'h2c' ? null : h.upgrade,
      expectContinue: h.expectContinue,
    };
    serveRequest(stream, head, hcm);
  }

  private onRequestEnd(trailers: HeaderList | null): void {
    const stream = this.current;
    if (stream === null || stream.requestEnded) return; // onComplete after onTrailers
    stream.requestEnded = true;
    // Serve one request at a time: pipelined requests wait in the parser until this one is answered.
    this.parser.pause();
    stream.bodyHandler?.onRequestEnd(trailers);
    if (stream.responseEnded) this.advance(stream);
  }

  /** Called when the current response has been fully written. */
  responseFinished(stream: H1Stream): void {
    if (stream !== this.current) return;
    if (!stream.requestEnded) {
      // The response ended before the request: with body bytes still to come the connection
      // is no longer framed, so close it; a bodiless request completes right after this.
      if (stream.requestHasBody) this.closeUnframed();
      return;
    }
    this.advance(stream);
  }

  /**
   * Ends a connection whose remaining input can no longer be trusted as HTTP (a response went
   * out before its request body was read). Nothing more is parsed — a pipelined request behind
   * the body must never run — but the socket keeps reading, so the peer's FIN is seen and
   * backpressure cannot leave it paused forever.
   */
  private closeUnframed(): void {
    this.discarding = true;
    this.endSocket();
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private discarding = false;

  private advance(stream: H1Stream): void {
    this.current = null;
    if (this.discarding) return;
    if (!stream.keepAlive || this.closing) {
      this.endSocket();
      return;
    }
    if (this.pendingError !== null) return this.rejectNow(this.pendingError);
    this.waitingForHead = true;
    this.idleSince = performance.now();
    this.resumeParser();
  }

  // The parser must not be resumed from inside one of its own callbacks: resumption is
  // deferred to the end of the execute() call that is on the stack.
  private inExecute = false;
  private resumePending = false;

  private feed(chunk: Buffer | null): void {
    if (this.discarding) return;
    this.inExecute = true;
    try {
      if (chunk !== null) this.parser.execute(chunk);
      while (this.resumePending) {
        this.resumePending = false;
        this.parser.resume();
      }
    } catch (err) {
      // A handler failed (a bug further up): drop this connection, not the process.
      process.stderr.write(`weft proxy: connection from ${this.remoteAddress} dropped: ${err instanceof Error ? err.message : String(err)}\n`);
      this.socket.destroy();
    }
    this.inExecute = false;
    // Part of a head is buffered: the headers timeout runs from now. (A head that arrives whole,
    // the common case, never reads the clock.)
    if (this.waitingForHead && !this.headTimed && !this.parser.idle) {
      this.headStartedAt = performance.now();
      this.headTimed = true;
    }
  }

  private resumeParser(): void {
    this.resumePending = true;
    if (!this.inExecute) this.feed(null);
  }

  takeOver(): { socket: Socket; head: Buffer } {
    this.releaseHeld();
    this.handedOver = true;
    clearTimeout(this.timer);
    const rest = this.parser.takeRemaining();
    this.socket.off('data', this.onData);
    readWithEvents(this.socket);
    this.socket.off('drain', this.onDrain);
    this.socket.off('close', this.onSocketClose);
    this.current = null;
    return { socket: this.socket, head: rest };
  }

  private onParseError(err: H1ParseError): void {
    const stream = this.current;
    if (stream === null) return this.rejectNow(err);
    if (stream.requestEnded) {
      // A pipelined request behind the one in flight is bad: refuse it once that one is answered.
      this.pendingError = err;
      return;
    }
    // The body of the request in flight broke its framing: the exchange stops and the
    // connection closes; nothing after the bad bytes is ever read.
    this.hooks.onRejected(err, this.remoteAddress);
    stream.keepAlive = false;
    stream.bodyHandler?.onRequestError(err.status, err.reason, err.message);
    if (!stream.responseEnded) stream.reset();
  }

  private rejectNow(err: H1ParseError): void {
    this.hooks.onRejected(err, this.remoteAddress);
    const body = `${err.message}\n`;
    const headers = ['content-type', 'text/plain', 'x-weft-error', err.reason, 'content-length', String(Buffer.byteLength(body)), 'connection', 'close'];
    this.endSocket(responseHead(err.status, undefined, headers) + body);
    clearTimeout(this.timer);
  }

  private readonly onTimer = (): void => {
    if (this.handedOver) return;
    let wait = this.headersTimeoutMs;
    if (this.current === null && this.waitingForHead && !this.parser.idle) {
      wait -= performance.now() - this.headStartedAt;
      if (wait > 0) return this.armTimer(wait);
      // Part of a head arrived but not the rest in time.
      const body = 'request headers not received in time\n';
      const headers = ['content-type', 'text/plain', 'x-weft-error', 'request-header-timeout', 'content-length', String(body.length), 'connection', 'close'];
      this.endSocket(responseHead(408, undefined, headers) + body);
      setTimeout(() => this.socket.destroy(), 1000).unref();
      return;
    }
    if (this.current === null && this.idleTimeoutMs > 0) {
      const idleLeft = this.idleTimeoutMs - (performance.now() - this.idleSince);
      if (idleLeft <= 0) {
        this.socket.destroy();
        return;
      }
      wait = Math.min(wait, idleLeft);
    }
    this.armTimer(wait);
  };

  private armTimer(ms: number): void {
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(ms)));
  }

  private onClose(): void {
    clearTimeout(this.timer);
    const stream = this.current;
    this.current = null;
    if (stream !== null && !stream.responseEnded) stream.bodyHandler?.onDownstreamAbort();
  }
}

/** One request/response on an HTTP/1.1 connection, as the router sees it. */
class H1Stream implements DownstreamStream {
  readonly protocol: HttpProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly peerIdentity: SpiffeId | null;
  bodyHandler: RequestBodyHandler | null = null;
  keepAlive: boolean;
  requestEnded = false;
  responseEnded = false;
  private readonly conn: H1ServerConnection;
  readonly requestHasBody: boolean;
  private readonly headRequest: boolean;
  private chunked = false;

  constructor(conn: H1ServerConnection, protocol: HttpProtocol, keepAlive: boolean, headRequest: boolean, requestHasBody: boolean) {
    this.conn = conn;
    this.requestHasBody = requestHasBody;
    this.protocol = protocol;
    this.keepAlive = keepAlive;
    this.headRequest = headRequest;
    this.remoteAddress = conn.remoteAddress;
    this.remotePort = conn.remotePort;
    this.localPort = conn.localPort;
    this.peerIdentity = conn.peerIdentity;
  }

  pauseBody(): void {
    this.conn.socket.pause();
  }

  resumeBody(): void {
    this.conn.socket.resume();
  }

  sendInterim(status: number, headers: HeaderList): void {
    if (this.protocol === 'HTTP/1.1') this.conn.write(responseHead(status, undefined, headers));
  }

  sendHead(status: number, headers: HeaderList, endStream: boolean): void {
    if (this.responseEnded) return;
    if (status === 101) {
      this.conn.write(responseHead(status, undefined, headers));
      return;
    }
    let hasLength = false;
    let closeAsked = false;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === 'content-length') hasLength = true;
      else if (headers[i] === 'connection') closeAsked = true;
    }
    if (!endStream && !hasLength && !this.headRequest && status !== 204 && status !== 304) {
      if (this.protocol === 'HTTP/1.1') {
        headers.push('transfer-encoding', 'chunked');
        this.chunked = true;
      } else {
        this.keepAlive = false; // HTTP/1.0: the body runs to the close
      }
    }
    if (closeAsked) this.keepAlive = false;
    else if (!this.keepAlive) headers.push('connection', 'close');
    else if (this.protocol === 'HTTP/1.0') headers.push('connection', 'keep-alive');
    const size = responseHeadSize(status, headers);
    if (endStream || this.headRequest) {
      this.conn.holdHead(status, headers, size);
      this.conn.sealHeld();
      this.end();
      return;
    }
    // The head and the first body bytes usually arrive from the upstream in one read: the
    // head is held (until the end of this event-loop turn) to leave in one buffer with them —
    // one write of one buffer is measurably cheaper than a writev of a string and a buffer.
    this.conn.holdHead(status, headers, size);
  }

  sendData(chunk: Buffer): boolean {
    if (this.responseEnded || chunk.length === 0) return true;
    const conn = this.conn;
    if (chunk.length <= MERGE_LIMIT && conn.mergeHeld(chunk, this.chunked)) return true;
    conn.releaseHeld();
    return writeBody(conn.socket, chunk, this.chunked);
  }

  sendEnd(trailers: HeaderList | null): void {
    if (this.responseEnded) return;
    if (this.chunked) this.conn.write(lastChunk(trailers ?? undefined));
    this.conn.sealHeld();
    this.end();
  }

  reset(): void {
    this.responseEnded = true;
    this.conn.socket.destroy();
  }

  takeOverSocket(): { socket: Socket; head: Buffer } {
    this.responseEnded = true;
    return this.conn.takeOver();
  }

  private end(): void {
    this.responseEnded = true;
    this.conn.responseFinished(this);
  }
}

/** Head and first body chunk are merged into one buffer up to this size (a copy beyond it costs more than a writev). */
const MERGE_LIMIT = 16 * 1024;

/** `http://host:port/p?q` → authority `host:port`, path `/p?q` (the parser vouched for the syntax). */
function splitAbsoluteForm(target: string): { authority: string; path: string } {
  const start = target.indexOf('//') + 2;
  let end = start;
  while (end < target.length && target[end] !== '/' && target[end] !== '?') end++;
  const rest = target.slice(end);
  return { authority: target.slice(start, end), path: rest === '' ? '/' : rest.charCodeAt(0) === 63 ? `/${rest}` : rest };
}
