// The protocol-neutral contracts between downstream codecs (HTTP/1.1, HTTP/2), the router
// and upstream pools. Callback objects, not EventEmitters: one object per request, no
// listener arrays, no per-event allocations (the per-request path is the proxy's budget).
import type { SpiffeId } from '../../pki/index.ts';
import type { HeaderList } from './headers.ts';

export type HttpProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

/** A request as the router sees it, whatever the downstream protocol. */
export interface RequestHead {
  method: string;
  /** Origin-form path with query, e.g. `/a/b?c=d`. */
  path: string;
  authority: string;
  scheme: 'http' | 'https';
  /** Regular headers only (no pseudo-headers, no hop-by-hop fields after hygiene). */
  headers: HeaderList;
  /** Body length when known up front (Content-Length), -1 when streamed, 0 for no body. */
  contentLength: number;
  /** HTTP/1.1 Upgrade (e.g. `websocket`) requested by the client, else null. */
  upgrade: string | null;
  expectContinue: boolean;
}

/** Where the router reads the request body from and writes the response to. */
export interface DownstreamStream {
  readonly protocol: HttpProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The local (destination) port of the connection: RBAC destination_port. */
  readonly localPort: number;
  /** The client's SPIFFE ID when it authenticated with a certificate over TLS (for authorization), else null. */
  readonly peerIdentity: SpiffeId | null;
  /** Set by the router; called by the codec as the request body arrives. */
  bodyHandler: RequestBodyHandler | null;
  pauseBody(): void;
  resumeBody(): void;
  sendInterim(status: number, headers: HeaderList): void;
  /** `endStream` means no body follows. */
  sendHead(status: number, headers: HeaderList, endStream: boolean): void;
  /** Returns false when the peer is not keeping up; `onResponseWritable` of the body handler fires later. */
  sendData(chunk: Buffer): boolean;
  sendEnd(trailers: HeaderList | null): void;
  /** Abandons the response: HTTP/1 closes the connection, HTTP/2 resets the stream. */
  reset(): void;
  /** HTTP/1.1 only: hands over the raw socket (and bytes read past the head) for a tunnel. */
  takeOverSocket?(): { socket: import('node:net').Socket; head: Buffer };
}

export interface RequestBodyHandler {
  /**
   * `chunk` may be a view of the connection's read buffer, which the next read overwrites: valid
   * during this call only. Code that keeps it (a retry buffer, a queue) copies it, or calls
   * keepReadBuffer() (h1/reads.ts) while still inside this call.
   */
  onRequestData(chunk: Buffer): void;
  onRequestEnd(trailers: HeaderList | null): void;
  /** The downstream went away before the exchange finished. */
  onDownstreamAbort(): void;
  /** The request body broke its framing (e.g. a bad chunk): answer `status` if still possible, then close. */
  onRequestError(status: number, code: string, message: string): void;
  /**
   * The response can take more data after sendData returned false. It lives on this handler
   * (the exchange) rather than as a callback the router sets per response: no closure per request.
   */
  onResponseWritable(): void;
}

/** Why an upstream attempt failed; drives the local reply, the response flag and retries. */
export type UpstreamFailure =
  | 'connect-failure'
  | 'connect-timeout'
  | 'reset-before-response'
  | 'reset-during-response'
  | 'protocol-error'
  | 'overflow'
  /** HTTP/2 REFUSED_STREAM: the upstream did not process the request (RFC 9113 §8.7). */
  | 'refused-stream'
  /** The try's own deadline (per_try_timeout) passed. */
  | 'timeout'
  /** A retry found no healthy endpoint left to go to. */
  | 'no-healthy-upstream';

export interface UpstreamResponseHandler {
  onInterim(status: number, headers: HeaderList): void;
  onHead(status: number, headers: HeaderList, endStream: boolean): void;
  /** Valid during this call only, as RequestBodyHandler.onRequestData's chunk. */
  onData(chunk: Buffer): void;
  onEnd(trailers: HeaderList | null): void;
  onError(failure: UpstreamFailure, detail: string): void;
  /** The upstream can take more request body after writeData returned false. */
  onWritable(): void;
  /** HTTP/1.1 only: the upstream accepted an Upgrade (101) and the socket is now a tunnel. */
  onUpgrade?(socket: import('node:net').Socket, head: Buffer, status: number, headers: HeaderList): void;
}

/** One request in flight to one upstream endpoint. */
export interface UpstreamStream {
  writeData(chunk: Buffer): boolean;
  end(trailers: HeaderList | null): void;
  /** Cancels the request; no more handler calls follow. */
  abort(): void;
  pauseResponse(): void;
  resumeResponse(): void;
  /** True once any byte of this request was handed to the upstream socket. */
  readonly requestBytesSent: boolean;
}
