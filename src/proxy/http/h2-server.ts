// Downstream HTTP/2 (h2c prior knowledge) on node:http2: each stream becomes a
// DownstreamStream for the router. Sessions are tracked so a drain can send GOAWAY.
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { SpiffeId } from '../../pki/index.ts';
import type { HeaderList } from './headers.ts';
import { fromH2Headers, toH2Response, sendTrailers } from './h2-headers.ts';
import type { DownstreamStream, HttpProtocol, RequestBodyHandler, RequestHead } from './stream.ts';
import type { HttpConnectionManager } from './connection-manager.ts';
import { serveRequest } from './exchange.ts';
import { keepReadBuffer } from './h1/reads.ts';

export class H2Server {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** The peer of the socket being accepted: node:http2 creates the session synchronously inside accept(). */
  private accepting: SpiffeId | null = null;

  constructor(hcm: () => HttpConnectionManager) {
    this.server = http2.createServer({
      maxHeaderListPairs: 128,
      maxSessionMemory: 32,
      settings: { maxConcurrentStreams: 1024, maxHeaderListSize: 60 * 1024 },
    });
    this.server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      PEERS.set(session, this.accepting);
      session.on('error', () => {});
      session.once('close', () => this.sessions.delete(session));
      if (hcm().draining) session.goaway();
    });
    this.server.on('stream', (stream, headers, flags) => {
      const hcmNow = hcm();
      const fields = fromH2Headers(headers);
      const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      let contentLength = endStream ? 0 : -1;
      for (let i = 0; i < fields.headers.length; i += 2) {
        if (fields.headers[i] === 'content-length') contentLength = Number(fields.headers[i + 1]);
      }
      const head: RequestHead = {
        method: fields.method,
        path: fields.path,
        authority: fields.authority,
        scheme: fields.scheme === 'https' ? 'https' : 'http',
        headers: fields.headers,
        contentLength,
        upgrade: null,
        expectContinue: false,
      };
      if (!isOriginFormPath(head.path, head.method)) {
        // What HTTP/1.1 could not carry is refused at the door, as Envoy does.
        stream.respond({ ':status': 400, 'content-type': 'text/plain', 'x-weft-error': 'invalid-path' });
        stream.end('the request path is not a valid origin-form path\n');
        return;
      }
      serveRequest(new H2Stream(stream), head, hcmNow);
    });
  }

  /** Takes over a socket whose first bytes are the HTTP/2 connection preface. */
  accept(socket: Socket, peerIdentity: SpiffeId | null = null): void {
    this.accepting = peerIdentity;
    try {
      this.server.emit('connection', socket);
    } finally {
      this.accepting = null;
    }
  }

  /** Ends every session now (after the drain time). */
  destroy(): void {
    for (const session of this.sessions) session.destroy();
  }

  /** Graceful drain: GOAWAY to every session; in-flight streams complete. */
  drain(): void {
    for (const session of this.sessions) {
      // A session destroyed a moment ago stays in the set until its 'close' event; goaway() would throw.
      if (session.destroyed || session.closed) continue;
      session.goaway();
      session.close();
    }
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}

const PEERS = new WeakMap<http2.Http2Session, SpiffeId | null>();

class H2Stream implements DownstreamStream {
  readonly protocol: HttpProtocol = 'HTTP/2';
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly peerIdentity: SpiffeId | null;
  bodyHandler: RequestBodyHandler | null = null;
  private readonly stream: http2.ServerHttp2Stream;
  private requestTrailers: HeaderList | null = null;
  private responseTrailers: HeaderList | null = null;
  private responded = false;
  private ended = false;

  constructor(stream: http2.ServerHttp2Stream) {
    this.stream = stream;
    const socket = stream.session?.socket;
    this.remoteAddress = socket?.remoteAddress ?? '';
    this.remotePort = socket?.remotePort ?? 0;
    this.localPort = socket?.localPort ?? 0;
    this.peerIdentity = (stream.session && PEERS.get(stream.session)) ?? null;
    stream.on('data', (chunk: Buffer) => this.bodyHandler?.onRequestData(chunk));
    stream.on('trailers', (trailers) => { this.requestTrailers = fromH2Headers(trailers).headers; });
    stream.on('end', () => this.bodyHandler?.onRequestEnd(this.requestTrailers));
    stream.on('drain', () => this.bodyHandler?.onResponseWritable());
    stream.on('wantTrailers', () => sendTrailers(stream, this.responseTrailers));
    stream.on('error', () => {});
    stream.on('close', () => {
      if (!this.ended) {
        this.ended = true;
        this.bodyHandler?.onDownstreamAbort();
      }
    });
  }

  pauseBody(): void {
    this.stream.pause();
  }

  resumeBody(): void {
    this.stream.resume();
  }

  sendInterim(): void {
    // node:http2 answers `expect: 100-continue` itself; nothing else is sent ahead.
  }

  sendHead(status: number, headers: HeaderList, endStream: boolean): void {
    if (this.responded || this.stream.destroyed) return;
    this.responded = true;
    if (endStream) this.ended = true;
    try {
      this.stream.respond(toH2Response(status, headers), { endStream, waitForTrailers: !endStream });
    } catch {
      // An upstream field HTTP/2 cannot carry: fail the stream rather than the process.
      this.reset();
    }
  }

  sendData(chunk: Buffer): boolean {
    if (this.stream.destroyed) return true;
    keepReadBuffer(); // the stream queues the chunk, which may be a view of an HTTP/1.1 upstream's read buffer
    return this.stream.write(chunk);
  }

  sendEnd(trailers: HeaderList | null): void {
    if (this.ended) return;
    this.ended = true;
    this.responseTrailers = trailers;
    if (!this.stream.destroyed) this.stream.end();
  }

  reset(): void {
    this.ended = true;
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/** `/` followed by visible ASCII only (or `*` for OPTIONS): what an HTTP/1.1 request line accepts. */
function isOriginFormPath(path: string, method: string): boolean {
  if (path === '*') return method === 'OPTIONS';
  if (path.charCodeAt(0) !== 47) return false;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23 /* '#' */) return false;
  }
  return true;
}
