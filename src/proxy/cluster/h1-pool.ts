// Keep-alive HTTP/1.1 connections to one upstream endpoint, on raw sockets with Weft's own codec.
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks'; // the global is a getter: a module binding is cheaper per call
import { H1Parser, type ResponseHead, type H1ParseError } from '../http/h1/parser.ts';
import { requestHead, lastChunk } from '../http/h1/serialize.ts';
import { writeBody } from '../http/h1/write-body.ts';
import type { HeaderList } from '../http/headers.ts';
import type { RequestHead, UpstreamResponseHandler, UpstreamStream } from '../http/stream.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { connectReading, keepReadBuffer, readWithEvents } from '../http/h1/reads.ts';
import { releaseLater, type Holder } from '../http/h1/write-batch.ts';

export interface H1PoolOptions {
  connectTimeoutMs: number;
  /** Opens a TLS connection instead of plain TCP (the cluster's transport_socket); null or absent for plaintext. */
  transport?: (() => TLSSocket) | null;
  /** Idle keep-alive connections kept per endpoint. */
  maxIdle: number;
  /** An idle connection is closed after this long (ms); must undercut the upstream's own. */
  idleTimeoutMs: number;
}

export const DEFAULT_H1_POOL: H1PoolOptions = { connectTimeoutMs: 5000, maxIdle: 128, idleTimeoutMs: 4000 };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * The request head on the wire: the router's headers plus Host and this hop's framing. They are
 * written after the router's, not added to its list: the router may send the same head again (retries).
 */
function serializeRequest(head: RequestHead): string {
  const extra = [HOST, head.authority];
  if (head.upgrade !== null) extra.push('connection', 'upgrade', 'upgrade', head.upgrade);
  if (head.contentLength > 0) extra.push('content-length', String(head.contentLength));
  else if (head.contentLength < 0) extra.push('transfer-encoding', 'chunked');
  else if (head.method === 'POST' || head.method === 'PUT' || head.method === 'PATCH') extra.push('content-length', '0');
  return requestHead(head.method, head.path, head.headers, extra);
}

const HOST = 'host';

export class H1Pool {
  readonly host: string;
  readonly port: number;
  readonly options: H1PoolOptions;
  private readonly idle: H1Connection[] = [];
  private readonly all = new Set<H1Connection>();
  /** Requests waiting for a connection (the cluster's max_connections is reached), oldest first. */
  private readonly queue: PendingRequest[] = [];
  /** Connections open now (idle or busy). */
  openConnections = 0;
  private closed = false;
  private readonly breaker: CircuitBreaker;

  constructor(host: string, port: number, options: H1PoolOptions = DEFAULT_H1_POOL, breaker = new CircuitBreaker()) {
    this.host = host;
    this.port = port;
    this.options = options;
    this.breaker = breaker;
  }

  request(head: RequestHead, handler: UpstreamResponseHandler): UpstreamStream {
    const wire = serializeRequest(head);
    const reused = this.idle.pop();
    if (reused) {
      reused.unidle();
      return this.startOn(reused, wire, head, handler);
    }
    if (this.breaker.mayConnect(this.openConnections === 0)) return this.fresh().start(wire, head, handler, null);
    if (!this.breaker.mayQueue()) return overflowed(handler);
    const pending = new PendingRequest(this, wire, head, handler);
    this.queue.push(pending);
    this.breaker.pending++;
    return pending;
  }

  /** Starts an exchange on a connection that has carried one before. */
  startOn(conn: H1Connection, wire: string, head: RequestHead, handler: UpstreamResponseHandler): UpstreamStream {
    // A keep-alive connection can be closed by the upstream just as we reuse it. When that
    // happens before any response byte, an idempotent request without a body is replayed
    // once on a fresh connection: it cannot have been processed (RFC 9110 §9.2.2).
    const replayable = head.contentLength === 0 && IDEMPOTENT.has(head.method) && head.upgrade === null;
    return conn.start(wire, head, handler, replayable ? () => this.fresh().start(wire, head, handler, null) : null);
  }

  /** Called by a connection whose exchange ended cleanly and that may carry another one. */
  release(conn: H1Connection): void {
    if (this.closed || (this.idle.length >= this.options.maxIdle && this.queue.length === 0)) {
      conn.close();
      return;
    }
    this.idle.push(conn);
    conn.idleSince(this.options.idleTimeoutMs);
    // Hand it to a waiting request on the next microtask, not from inside the parser callback
    // that released it; a connection that closes meanwhile has left `idle` by then.
    if (this.queue.length > 0 && !this.handoffScheduled) {
      this.handoffScheduled = true;
      queueMicrotask(this.handOff);
    }
  }

  private handoffScheduled = false;
  private readonly handOff = (): void => {
    this.handoffScheduled = false;
    while (this.queue.length > 0 && this.idle.length > 0) {
      const conn = this.idle.pop()!;
      conn.unidle();
      this.dequeue()!.attach(conn);
    }
  };

  forget(conn: H1Connection): void {
    if (!this.all.delete(conn)) return;
    this.openConnections--;
    this.breaker.connections--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    // A closed connection makes room: the oldest waiting request gets a new one.
    if (this.queue.length > 0 && !this.closed && this.breaker.mayConnect(this.openConnections === 0)) {
      this.dequeue()!.attach(this.fresh());
    }
  }

  /** A waiting request went away (client gone, route timeout). */
  cancel(pending: PendingRequest): void {
    const i = this.queue.indexOf(pending);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.breaker.pending--;
  }

  /** Closes idle connections now and busy ones too (called after the drain time). */
  close(): void {
    this.closed = true;
    this.idle.length = 0;
    for (const conn of this.all) conn.close();
    for (let p = this.dequeue(); p !== undefined; p = this.dequeue()) p.fail('reset-before-response', 'the cluster was removed or the proxy is stopping');
  }

  private dequeue(): PendingRequest | undefined {
    const p = this.queue.shift();
    if (p !== undefined) this.breaker.pending--;
    return p;
  }

  private fresh(): H1Connection {
    this.openConnections++;
    this.breaker.connections++;
    const conn = new H1Connection(this);
    this.all.add(conn);
    return conn;
  }
}

/** The answer to a request refused for overflow: the failure is reported once the caller holds the stream. */
export function overflowed(handler: UpstreamResponseHandler): UpstreamStream {
  queueMicrotask(() => handler.onError('overflow', 'the cluster is at its max_pending_requests limit'));
  return DEAD_STREAM;
}

const DEAD_STREAM: UpstreamStream = {
  writeData: () => true, end() {}, abort() {}, pauseResponse() {}, resumeResponse() {}, requestBytesSent: false,
};

/**
 * A request waiting for a connection. It holds the body it is given (and answers "not writable",
 * so the client is paused) until a connection frees up or a new one may open.
 */
class PendingRequest implements UpstreamStream {
  private readonly pool: H1Pool;
  private readonly wire: string;
  private readonly head: RequestHead;
  private readonly handler: UpstreamResponseHandler;
  private target: UpstreamStream | null = null;
  private readonly body: Buffer[] = [];
  private ended = false;
  private trailers: HeaderList | null = null;
  private done = false;

  constructor(pool: H1Pool, wire: string, head: RequestHead, handler: UpstreamResponseHandler) {
    this.pool = pool;
    this.wire = wire;
    this.head = head;
    this.handler = handler;
  }

  get requestBytesSent(): boolean {
    return this.target?.requestBytesSent ?? false;
  }

  attach(conn: H1Connection): void {
    const target = this.pool.startOn(conn, this.wire, this.head, this.handler);
    this.target = target;
    for (const chunk of this.body) target.writeData(chunk);
    this.body.length = 0;
    if (this.ended) target.end(this.trailers);
    else this.handler.onWritable();
  }

  fail(failure: 'reset-before-response', detail: string): void {
    if (this.done) return;
    this.done = true;
    this.handler.onError(failure, detail);
  }

  writeData(chunk: Buffer): boolean {
    if (this.target !== null) return this.target.writeData(chunk);
    if (!this.done) {
      keepReadBuffer(); // held until a connection frees up: the chunk may be a view of a downstream read buffer
      this.body.push(chunk);
    }
    return false;
  }

  end(trailers: HeaderList | null): void {
    if (this.target !== null) return this.target.end(trailers);
    this.ended = true;
    this.trailers = trailers;
  }

  abort(): void {
    if (this.target !== null) return this.target.abort();
    this.done = true;
    this.pool.cancel(this);
  }

  pauseResponse(): void {
    this.target?.pauseResponse();
  }

  resumeResponse(): void {
    this.target?.resumeResponse();
  }
}

type State = 'connecting' | 'busy' | 'idle' | 'closed';

class H1Connection implements UpstreamStream, Holder {
  private readonly pool: H1Pool;
  private readonly socket: net.Socket;
  private readonly parser: H1Parser<ResponseHead>;
  private state: State = 'connecting';
  private handler: UpstreamResponseHandler | null = null;
  private chunked = false;
  private requestDone = false;
  private responseStarted = false;
  private responseDone = false;
  private keepAlive = false;
  private upgrading = false;
  private replay: (() => UpstreamStream) | null = null;
  private replacement: UpstreamStream | null = null;
  private timer: NodeJS.Timeout | null = null;
  requestBytesSent = false;

  constructor(pool: H1Pool) {
    this.pool = pool;
    this.parser = H1Parser.responses({
      onHead: (head) => this.onHead(head),
      onData: (chunk) => this.handler?.onData(chunk),
      onTrailers: (trailers) => this.onComplete(trailers),
      onComplete: () => this.onComplete(null),
      onError: (err) => this.onParseError(err),
    });
    const transport = pool.options.transport;
    let socket: net.Socket | TLSSocket;
    if (transport) {
      // A TLS socket reads through its own machinery (decryption): plain 'data' events, fresh buffers.
      socket = transport();
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
    } else {
      socket = connectReading({ host: pool.host, port: pool.port, noDelay: true }, (chunk) => this.onData(chunk));
    }
    this.socket = socket;
    this.timer = setTimeout(() => this.fail('connect-timeout', `no connection within ${pool.options.connectTimeoutMs} ms`), pool.options.connectTimeoutMs);
    // Over TLS the connection is usable once the handshake (and the server's identity check) succeeded.
    socket.once(transport ? 'secureConnect' : 'connect', () => {
      this.clearTimer();
      if (this.state === 'connecting') this.state = this.handler ? 'busy' : 'idle';
      if (this.handler) this.requestBytesSent = true;
    });
    socket.on('drain', () => this.handler?.onWritable());
    // 'close' follows an error and carries the outcome. An idle connection the upstream has
    // closed or reset (restart, crash, its idle timeout) leaves the pool at once: 'close' comes
    // later, and a request given the socket meanwhile would fail with EPIPE.
    socket.on('error', this.onIdleLost);
    socket.on('end', this.onIdleLost);
    socket.on('close', () => this.onClose());
  }

  private readonly onIdleLost = (): void => {
    if (this.state !== 'idle') return;
    this.pool.forget(this);
    this.close();
  };

  start(wire: string, head: RequestHead, handler: UpstreamResponseHandler, replay: (() => UpstreamStream) | null): UpstreamStream {
    this.handler = handler;
    this.replay = replay;
    this.requestDone = false;
    this.responseStarted = false;
    this.responseDone = false;
    this.upgrading = head.upgrade !== null;
    if (this.state === 'idle') {
      this.state = 'busy';
      this.requestBytesSent = true;
    }
    this.parser.expectResponseTo(head.method);
    this.chunked = head.contentLength < 0;
    // The head leaves with the other writes of this event-loop turn (write-batch.ts).
    if (this.held !== null) this.releaseHeld();
    this.held = wire;
    releaseLater(this);
    return this;
  }

  /** The request head, held until the end of this event-loop turn. */
  private held: string | null = null;

  releaseHeld(): void {
    const wire = this.held;
    if (wire === null) return;
    this.held = null;
    // A string: for a head this small, building it and letting the write copy it out costs less
    // than writing its pieces into a buffer (measured: ≈ 460 vs 600 ns).
    if (!this.socket.destroyed) this.socket.write(wire, 'latin1');
  }

  writeData(chunk: Buffer): boolean {
    if (this.replacement) return this.replacement.writeData(chunk);
    if (this.state === 'closed' || chunk.length === 0) return true;
    if (this.held !== null) this.releaseHeld();
    return writeBody(this.socket, chunk, this.chunked);
  }

  end(trailers: HeaderList | null): void {
    if (this.replacement) return this.replacement.end(trailers);
    this.requestDone = true;
    if (this.state === 'closed') return;
    if (this.chunked) {
      if (this.held !== null) this.releaseHeld();
      this.socket.write(lastChunk(trailers ?? undefined), 'latin1');
    }
    if (this.responseDone) this.finishExchange();
  }

  abort(): void {
    if (this.replacement) return this.replacement.abort();
    this.handler = null;
    this.close();
  }

  pauseResponse(): void {
    if (this.replacement) return this.replacement.pauseResponse();
    this.socket.pause();
  }

  resumeResponse(): void {
    if (this.replacement) return this.replacement.resumeResponse();
    this.socket.resume();
  }

  unidle(): void {
    // The idle timer stays armed: a busy connection ignores it (see onIdleTimer). Clearing
    // and re-creating it around every request cost a Timeout and two timer-list updates each.
  }

  idleSince(timeoutMs: number): void {
    this.state = 'idle';
    this.idleAt = performance.now();
    if (this.timer === null) this.armIdleTimer(timeoutMs);
  }

  private idleAt = 0;
  private readonly onIdleTimer = (): void => {
    this.timer = null;
    if (this.state === 'closed') return;
    const timeoutMs = this.pool.options.idleTimeoutMs;
    const idleFor = this.state === 'idle' ? performance.now() - this.idleAt : 0;
    if (idleFor >= timeoutMs) this.close();
    else this.armIdleTimer(timeoutMs - idleFor);
  };

  private armIdleTimer(ms: number): void {
    this.timer = setTimeout(this.onIdleTimer, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'idle') {
      // Bytes nobody asked for: they must not be taken as the next request's response.
      this.close();
      return;
    }
    try {
      this.parser.execute(chunk);
    } catch (err) {
      // A handler failed (a bug further up): fail this exchange, not the process.
      const handler = this.handler;
      this.handler = null;
      this.close();
      handler?.onError('protocol-error', err instanceof Error ? err.message : String(err));
    }
  }

  private onHead(head: ResponseHead): void {
    const handler = this.handler;
    if (!handler) return;
    if (head.status < 200 && head.status !== 101) {
      handler.onInterim(head.status, head.headers);
      return;
    }
    this.responseStarted = true;
    if (head.status === 101 && this.upgrading && handler.onUpgrade) {
      this.detachForTunnel(head, handler);
      return;
    }
    this.keepAlive = head.keepAlive;
    handler.onHead(head.status, head.headers, head.framing.kind === 'none');
  }

  private onComplete(trailers: HeaderList | null): void {
    if (trailers === null && this.responseDone) return; // onComplete after onTrailers
    if (!this.responseStarted) return; // interim response finished; the final one follows
    const handler = this.handler;
    if (this.responseDone) return;
    this.responseDone = true;
    handler?.onEnd(trailers);
    if (this.requestDone) this.finishExchange();
  }

  private finishExchange(): void {
    this.handler = null;
    // A response paused for downstream backpressure may end paused: resume before pooling.
    this.socket.resume();
    if (this.keepAlive && this.parser.idle && this.state === 'busy') this.pool.release(this);
    else this.close();
  }

  private detachForTunnel(head: ResponseHead, handler: UpstreamResponseHandler): void {
    const rest = this.parser.takeRemaining();
    this.handler = null;
    this.state = 'closed';
    this.clearTimer();
    readWithEvents(this.socket);
    this.socket.removeAllListeners('drain');
    this.socket.removeAllListeners('close');
    this.pool.forget(this);
    handler.onUpgrade!(this.socket, rest, head.status, head.headers);
  }

  private onParseError(err: H1ParseError): void {
    const handler = this.handler;
    this.handler = null;
    this.close();
    if (err.reason === 'incomplete-message') handler?.onError('reset-during-response', 'upstream closed the connection mid-response');
    else handler?.onError('protocol-error', `upstream sent an invalid response: ${err.reason}`);
  }

  private fail(failure: 'connect-timeout', detail: string): void {
    const handler = this.handler;
    this.handler = null;
    this.close();
    handler?.onError(failure, detail);
  }

  private onClose(): void {
    const wasConnecting = this.state === 'connecting';
    this.state = 'closed';
    this.clearTimer();
    this.pool.forget(this);
    if (!this.responseDone && this.responseStarted) this.parser.finish(); // close-delimited body ends here
    const handler = this.handler;
    this.handler = null;
    if (!handler || this.responseDone) return;
    if (wasConnecting) {
      handler.onError('connect-failure', `connection to ${this.pool.host}:${this.pool.port} failed`);
    } else if (!this.responseStarted) {
      if (this.replay) {
        this.replacement = this.replay();
        if (this.requestDone) this.replacement.end(null);
        return;
      }
      handler.onError('reset-before-response', 'upstream closed the connection before responding');
    } else {
      handler.onError('reset-during-response', 'upstream closed the connection mid-response');
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
