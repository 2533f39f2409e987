// A listening socket and what serves its connections: an HTTP connection manager (HTTP/1.1
// or HTTP/2, told apart by the client preface) or a TCP proxy. Tracks connections for drain.
import net from 'node:net';
import type { HttpConnectionManager } from '../http/connection-manager.ts';
import { H1ServerConnection } from '../http/h1-server.ts';
import { H2Server } from '../http/h2-server.ts';
import type { H1ParseError } from '../http/h1/parser.ts';
import { proxyTcp, type TcpProxyConfig } from './tcp-proxy.ts';

export type FilterChain =
  | { readonly kind: 'http'; readonly codec: 'auto' | 'http1' | 'http2'; readonly hcm: HttpConnectionManager }
  | { readonly kind: 'tcp'; readonly tcp: TcpProxyConfig };

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly chain: FilterChain;
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
  private h2: H2Server | null = null;
  private readonly hooks: ListenerHooks;
  boundPort = 0;

  constructor(spec: ListenerSpec, hooks: ListenerHooks) {
    this.spec = spec;
    this.hooks = hooks;
    // TCP proxying passes half-closes through (a client may send, FIN, then read the answer).
    const allowHalfOpen = spec.chain.kind === 'tcp';
    this.server = net.createServer({ noDelay: true, allowHalfOpen }, (socket) => this.onConnection(socket));
    if (spec.chain.kind === 'http' && spec.chain.codec !== 'http1') this.h2 = new H2Server(() => this.currentHcm());
  }

  /** Whether `next` can be served by this socket: same address, same kind of filter chain and codec. */
  canUpdate(next: ListenerSpec): boolean {
    const a = this.spec;
    if (a.host !== next.host || a.port !== next.port || a.chain.kind !== next.chain.kind) return false;
    return a.chain.kind === 'tcp' || (next.chain.kind === 'http' && a.chain.codec === next.chain.codec);
  }

  /**
   * Swaps in a new config for the same socket (see canUpdate). Requests already running finish
   * on the config they started with; the next request on any connection uses the new one.
   */
  update(next: ListenerSpec): void {
    this.spec = next;
  }

  private currentHcm(): HttpConnectionManager {
    return (this.spec.chain as Extract<FilterChain, { kind: 'http' }>).hcm;
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
    return this.h1.size + this.tcp.size + (this.h2?.sessionCount ?? 0);
  }

  /** Stops accepting; open HTTP/1.1 connections close after their response, HTTP/2 gets GOAWAY. */
  drain(): void {
    this.server.close();
    const chain = this.spec.chain;
    if (chain.kind === 'http') chain.hcm.draining = true;
    for (const conn of this.h1) conn.drain();
    this.h2?.drain();
  }

  /** Closes whatever is still open (after the drain time). */
  destroy(): void {
    this.server.close();
    for (const conn of this.h1) conn.socket.destroy();
    for (const socket of this.tcp) socket.destroy();
    this.h2?.destroy();
  }

  private onConnection(socket: net.Socket): void {
    const chain = this.spec.chain;
    socket.on('error', () => {});
    if (chain.kind === 'tcp') {
      this.tcp.add(socket);
      socket.once('close', () => this.tcp.delete(socket));
      proxyTcp(socket, chain.tcp);
      return;
    }
    if (chain.codec === 'http1') return this.serveH1(socket, chain.hcm, undefined);
    if (chain.codec === 'http2') return this.h2!.accept(socket);
    this.detect(socket, chain.hcm);
  }

  /** Codec AUTO: the HTTP/2 client preface decides; anything else is HTTP/1.1. */
  private detect(socket: net.Socket, hcm: HttpConnectionManager): void {
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
        this.h2!.accept(socket);
      } else {
        this.serveH1(socket, hcm, seen);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }

  private serveH1(socket: net.Socket, hcm: HttpConnectionManager, initial: Buffer | undefined): void {
    const name = this.spec.name;
    // The current config at each request, so an update reaches keep-alive connections too.
    const conn = new H1ServerConnection(socket, () => (this.spec.chain.kind === 'http' ? this.spec.chain.hcm : hcm), {
      onRejected: (err, remote) => this.hooks.onRejected(name, err, remote),
    }, initial);
    this.h1.add(conn);
    socket.once('close', () => this.h1.delete(conn));
    if (hcm.draining) conn.drain();
  }
}
