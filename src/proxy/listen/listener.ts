// A listening socket and what serves its connections: filter chains picked by transport protocol
// (the tls_inspector tells TLS from plaintext), each optionally terminating TLS, then an HTTP
// connection manager (HTTP/1.1 or HTTP/2, told apart by ALPN or the client preface) or a TCP proxy.
// Tracks connections for drain. A config update that keeps the socket swaps the spec in place:
// each connection reads its chain's current connection manager per request.
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SpiffeId } from '../../pki/index.ts';
import type { HttpConnectionManager } from '../http/connection-manager.ts';
import { H1ServerConnection } from '../http/h1-server.ts';
import { H2Server } from '../http/h2-server.ts';
import type { H1ParseError } from '../http/h1/parser.ts';
import type { DownstreamTls } from '../tls/downstream.ts';
import { proxyTcp, type TcpProxyConfig } from './tcp-proxy.ts';
import { inspect, type TransportProtocol } from './tls-inspector.ts';

export type FilterChain =
  | { readonly kind: 'http'; readonly codec: 'auto' | 'http1' | 'http2'; readonly hcm: HttpConnectionManager }
  | { readonly kind: 'tcp'; readonly tcp: TcpProxyConfig };

export interface ChainSpec {
  /** filter_chain_match.transport_protocol; 'any' when unset. */
  readonly match: TransportProtocol | 'any';
  /** TLS termination (transport_socket), or null for plaintext. */
  readonly tls: DownstreamTls | null;
  readonly serve: FilterChain;
}

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The tls_inspector listener filter is configured: without it every connection is raw_buffer (Envoy). */
  readonly inspector: boolean;
  readonly chains: readonly ChainSpec[];
}

export interface ListenerHooks {
  onRejected(listener: string, err: H1ParseError, remoteAddress: string): void;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export class Listener {
  /** Replaced by `update` when a config change keeps the socket; new requests read the new one. */
  spec: ListenerSpec;
  private readonly server: net.Server;
  private readonly h1 = new Set<H1ServerConnection>();
  private readonly tcp = new Set<net.Socket>();
  /** Sockets being inspected or in their TLS handshake. */
  private readonly opening = new Set<net.Socket>();
  /** One HTTP/2 server per chain that may speak HTTP/2, by chain index. */
  private readonly h2 = new Map<number, H2Server>();
  private readonly hooks: ListenerHooks;
  boundPort = 0;

  constructor(spec: ListenerSpec, hooks: ListenerHooks) {
    this.spec = spec;
    this.hooks = hooks;
    // TCP proxying passes half-closes through (a client may send, FIN, then read the answer).
    const allowHalfOpen = spec.chains.some((c) => c.serve.kind === 'tcp');
    this.server = net.createServer({ noDelay: true, allowHalfOpen }, (socket) => this.onConnection(socket));
    spec.chains.forEach((chain, i) => {
      const serve = chain.serve;
      if (serve.kind === 'http' && (serve.codec !== 'http1' || chain.tls !== null)) this.h2.set(i, new H2Server(() => this.hcmOf(i)));
    });
  }

  /**
   * Whether `next` can be served by this socket: same address and inspector, and the same chains
   * (transport match, TLS or not, kind of filter and codec), in the same order.
   */
  canUpdate(next: ListenerSpec): boolean {
    const a = this.spec;
    if (a.host !== next.host || a.port !== next.port || a.inspector !== next.inspector || a.chains.length !== next.chains.length) return false;
    return a.chains.every((c, i) => {
      const n = next.chains[i];
      if (c.match !== n.match || (c.tls === null) !== (n.tls === null) || c.serve.kind !== n.serve.kind) return false;
      return c.serve.kind === 'tcp' || (n.serve.kind === 'http' && c.serve.codec === n.serve.codec);
    });
  }

  /**
   * Swaps in a new config for the same socket (see canUpdate). Requests already running finish
   * on the config they started with; the next request on any connection uses the new one, and the
   * next handshake the new TLS context.
   */
  update(next: ListenerSpec): void {
    this.spec = next;
  }

  /** The current connection manager of HTTP chain `i`. */
  private hcmOf(i: number): HttpConnectionManager {
    return (this.spec.chains[i].serve as Extract<FilterChain, { kind: 'http' }>).hcm;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (err) => reject(err));
      this.server.listen({ host: this.spec.host, port: this.spec.port, backlog: 4096 }, () => {
        this.boundPort = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  get address(): string {
    return `${this.spec.host}:${this.boundPort}`;
  }

  get connectionCount(): number {
    let n = this.h1.size + this.tcp.size + this.opening.size;
    for (const h2 of this.h2.values()) n += h2.sessionCount;
    return n;
  }

  /** Stops accepting; open HTTP/1.1 connections close after their response, HTTP/2 gets GOAWAY. */
  drain(): void {
    this.server.close();
    for (const chain of this.spec.chains) if (chain.serve.kind === 'http') chain.serve.hcm.draining = true;
    for (const conn of this.h1) conn.drain();
    for (const h2 of this.h2.values()) h2.drain();
  }

  /** Closes whatever is still open (after the drain time). */
  destroy(): void {
    this.server.close();
    for (const conn of this.h1) conn.socket.destroy();
    for (const socket of this.tcp) socket.destroy();
    for (const socket of this.opening) socket.destroy();
    for (const h2 of this.h2.values()) h2.destroy();
  }

  private onConnection(socket: net.Socket): void {
    socket.on('error', () => {});
    if (!this.spec.inspector) return this.start(socket, this.pick('raw_buffer'));
    this.opening.add(socket);
    socket.once('close', () => this.opening.delete(socket));
    inspect(socket, (protocol) => this.start(socket, this.pick(protocol)));
  }

  /** The index of the chain matching the detected transport protocol exactly, else of the one matching any; -1 for none. */
  private pick(protocol: TransportProtocol): number {
    let any = -1;
    const chains = this.spec.chains;
    for (let i = 0; i < chains.length; i++) {
      if (chains[i].match === protocol) return i;
      if (chains[i].match === 'any') any = i;
    }
    return any;
  }

  private start(socket: net.Socket, index: number): void {
    if (index < 0) {
      // No chain for this transport protocol (plaintext on a STRICT port): closed unread, as Envoy does.
      socket.destroy();
      return;
    }
    const tls = this.spec.chains[index].tls;
    if (tls === null) {
      this.opening.delete(socket);
      this.serve(socket, index, null, null);
      return;
    }
    this.opening.add(socket);
    socket.once('close', () => this.opening.delete(socket));
    tls.accept(socket, (secure, peer) => {
      this.opening.delete(socket);
      this.serve(secure, index, secure, peer.identity);
    });
  }

  private serve(socket: net.Socket, index: number, secure: TLSSocket | null, peer: SpiffeId | null): void {
    const serve = this.spec.chains[index].serve;
    if (serve.kind === 'tcp') {
      this.tcp.add(socket);
      socket.once('close', () => this.tcp.delete(socket));
      proxyTcp(socket, serve.tcp);
      return;
    }
    if (secure !== null) {
      // Over TLS the negotiated ALPN names the protocol; without ALPN the codec setting decides.
      const alpn = secure.alpnProtocol;
      if (alpn === 'h2') return this.h2.get(index)!.accept(socket, peer);
      if (alpn === 'http/1.1' || serve.codec === 'http1') return this.serveH1(socket, index, undefined, peer);
    } else {
      if (serve.codec === 'http1') return this.serveH1(socket, index, undefined, null);
      if (serve.codec === 'http2') return this.h2.get(index)!.accept(socket);
    }
    this.detect(socket, index, serve.hcm, peer);
    socket.resume();
  }

  /** Codec AUTO: the HTTP/2 client preface decides; anything else is HTTP/1.1. */
  private detect(socket: net.Socket, index: number, hcm: HttpConnectionManager, peer: SpiffeId | null): void {
    let seen: Buffer = Buffer.alloc(0);
    // A client that connects and stays silent is closed like one that sends half a head.
    const timer = setTimeout(() => socket.destroy(), hcm.requestHeadersTimeoutMs);
    socket.once('close', () => clearTimeout(timer));
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isPrefix = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isPrefix && seen.length < PREFACE.length) return; // need more bytes to tell
      socket.off('data', onData);
      clearTimeout(timer);
      socket.pause();
      if (isPrefix) {
        // node:http2 replays bytes still buffered in a paused socket (nodejs/node#35475), so the
        // preface goes back into the buffer and the socket stays paused until the session reads it.
        socket.unshift(seen);
        this.h2.get(index)!.accept(socket, peer);
      } else {
        this.serveH1(socket, index, seen, peer);
      }
    };
    socket.on('data', onData);
  }

  private serveH1(socket: net.Socket, index: number, initial: Buffer | undefined, peer: SpiffeId | null): void {
    const name = this.spec.name;
    const hcm = this.hcmOf(index);
    // The current config at each request, so an update reaches keep-alive connections too.
    const conn = new H1ServerConnection(socket, () => this.hcmOf(index), {
      onRejected: (err, remote) => this.hooks.onRejected(name, err, remote),
    }, initial, peer);
    this.h1.add(conn);
    socket.once('close', () => this.h1.delete(conn));
    if (hcm.draining) conn.drain();
    socket.resume(); // the tls_inspector leaves the socket paused
  }
}
