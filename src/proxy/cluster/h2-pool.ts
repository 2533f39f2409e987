// HTTP/2 (h2c) connections to one upstream endpoint: one session multiplexes many requests,
// a second opens only when the first is full or going away (GOAWAY).
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { HeaderList } from '../http/headers.ts';
import type { RequestHead, UpstreamResponseHandler, UpstreamStream } from '../http/stream.ts';
import { toH2Request, sendTrailers, fromH2Headers } from '../http/h2-headers.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { keepReadBuffer } from '../http/h1/reads.ts';

export interface H2PoolOptions {
  connectTimeoutMs: number;
  /** Opens a TLS connection (ALPN h2) instead of h2c; null or absent for plaintext. */
  transport?: (() => TLSSocket) | null;
}

interface Session {
  readonly session: http2.ClientHttp2Session;
  active: number;
  usable: boolean;
  connected: boolean;
  /**
   * Exchanges opened while the session connects, told once it has. One list per session rather
   * than a 'connect' listener per request (which trips MaxListenersExceededWarning past ten).
   */
  waiting: H2Exchange[];
}

export class H2Pool {
  readonly host: string;
  readonly port: number;
  readonly options: H2PoolOptions;
  private readonly sessions: Session[] = [];
  private readonly breaker: CircuitBreaker;

  constructor(host: string, port: number, options: H2PoolOptions, breaker = new CircuitBreaker()) {
    this.host = host;
    this.port = port;
    this.options = options;
    this.breaker = breaker;
  }

  get openConnections(): number {
    return this.sessions.length;
  }

  request(head: RequestHead, handler: UpstreamResponseHandler): UpstreamStream {
    return new H2Exchange(this.session(), head, handler);
  }

  close(): void {
    for (const s of this.sessions.splice(0)) s.session.destroy();
  }

  private session(): Session {
    let least: Session | null = null;
    for (const s of this.sessions) {
      if (!s.usable) continue;
      const limit = s.session.remoteSettings?.maxConcurrentStreams ?? 100;
      if (s.active < limit) return s;
      if (least === null || s.active < least.active) least = s;
    }
    // At the cluster's max_connections the stream goes on the least busy session anyway; the
    // HTTP/2 library holds it until the upstream's concurrent-stream limit lets it open.
    if (least !== null && !this.breaker.mayConnect(false)) return least;
    return this.connect();
  }

  private connect(): Session {
    const transport = this.options.transport;
    const session = http2.connect(`${transport ? 'https' : 'http'}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`, {
      peerMaxConcurrentStreams: 1000,
      ...(transport ? { createConnection: transport } : {}),
    });
    const entry: Session = { session, active: 0, usable: true, connected: false, waiting: [] };
    this.sessions.push(entry);
    this.breaker.connections++;
    const timer = setTimeout(() => session.destroy(new Error('connect-timeout')), this.options.connectTimeoutMs);
    session.once('connect', () => {
      clearTimeout(timer);
      entry.connected = true;
      for (const x of entry.waiting.splice(0)) x.requestBytesSent = true;
    });
    session.on('error', () => {}); // streams report their own failures; 'close' cleans up
    session.on('goaway', () => { entry.usable = false; });
    session.once('close', () => {
      clearTimeout(timer);
      entry.waiting.length = 0;
      this.breaker.connections--;
      entry.usable = false;
      const i = this.sessions.indexOf(entry);
      if (i >= 0) this.sessions.splice(i, 1);
    });
    return entry;
  }
}

class H2Exchange implements UpstreamStream {
  private readonly stream: http2.ClientHttp2Stream;
  private readonly entry: Session;
  private handler: UpstreamResponseHandler | null;
  private responded = false;
  private finished = false;
  private pendingTrailers: HeaderList | null = null;
  private responseTrailers: HeaderList | null = null;
  /** Body chunks that arrived before the response head (see the 'data' handler). */
  private early: Buffer[] | null = null;
  requestBytesSent = false;

  constructor(entry: Session, head: RequestHead, handler: UpstreamResponseHandler) {
    this.entry = entry;
    this.handler = handler;
    entry.active++;
    const endStream = head.contentLength === 0;
    const stream = entry.session.request(toH2Request(head), { endStream, waitForTrailers: !endStream });
    this.stream = stream;
    if (entry.connected) this.requestBytesSent = true;
    else entry.waiting.push(this);
    stream.on('response', (headers, flags) => this.guard(() => this.onResponse(headers, flags)));
    stream.on('data', (chunk: Buffer) => {
      // node:http2 emits 'response' on the next tick but DATA read in the same batch at once: a
      // TLS record often holds HEADERS and DATA together, so body bytes can precede the head.
      if (!this.responded) (this.early ??= []).push(chunk);
      else this.guard(() => this.handler?.onData(chunk));
    });
    stream.on('trailers', (trailers) => { this.responseTrailers = fromH2Headers(trailers).headers; });
    stream.on('end', () => this.guard(() => this.onEnd()));
    stream.on('drain', () => this.handler?.onWritable());
    stream.on('wantTrailers', () => sendTrailers(stream, this.pendingTrailers));
    stream.on('error', () => {});
    stream.on('close', () => this.onClose());
  }

  writeData(chunk: Buffer): boolean {
    keepReadBuffer(); // the stream queues the chunk, which may be a view of an HTTP/1.1 downstream's read buffer
    return this.stream.write(chunk);
  }

  /** A failure in a handler further up fails this exchange, not the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const handler = this.handler;
      this.handler = null;
      this.abortStream();
      handler?.onError('protocol-error', err instanceof Error ? err.message : String(err));
    }
  }

  private abortStream(): void {
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  end(trailers: HeaderList | null): void {
    this.pendingTrailers = trailers;
    if (!this.stream.writableEnded) this.stream.end();
  }

  abort(): void {
    this.handler = null;
    this.abortStream();
  }

  pauseResponse(): void {
    this.stream.pause();
  }

  resumeResponse(): void {
    this.stream.resume();
  }

  private onResponse(headers: http2.IncomingHttpHeaders, flags: number): void {
    const status = Number(headers[':status']);
    const converted = fromH2Headers(headers).headers;
    const handler = this.handler;
    if (!handler) return;
    if (status < 200) {
      handler.onInterim(status, converted);
      return;
    }
    this.responded = true;
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    handler.onHead(status, converted, endStream);
    const early = this.early;
    if (early !== null) {
      this.early = null;
      for (const chunk of early) this.handler?.onData(chunk);
    }
  }

  private onEnd(): void {
    if (this.finished || !this.responded) return;
    this.finished = true;
    this.handler?.onEnd(this.responseTrailers);
  }

  private onClose(): void {
    this.entry.active--;
    if (!this.finished && this.responded && this.stream.rstCode === http2.constants.NGHTTP2_NO_ERROR && this.stream.readableEnded) {
      this.onEnd();
    }
    const handler = this.handler;
    this.handler = null;
    if (!handler || this.finished) return;
    const code = this.stream.rstCode ?? 0;
    if (!this.responded) {
      if (!this.entry.connected) handler.onError('connect-failure', 'HTTP/2 connection to the upstream failed');
      else if (code === http2.constants.NGHTTP2_REFUSED_STREAM) handler.onError('refused-stream', 'upstream refused the stream (REFUSED_STREAM)');
      else handler.onError('reset-before-response', `upstream reset the stream (code ${code})`);
    } else {
      handler.onError('reset-during-response', `upstream reset the stream mid-response (code ${code})`);
    }
  }
}
