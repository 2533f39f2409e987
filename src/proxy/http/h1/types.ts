// The data the HTTP/1.1 codec hands out: message heads, body framing, limits and the event handler.
import type { HeaderList } from '../headers.ts';
import type { H1ParseError } from './errors.ts';

export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' }; // responses only: body runs to EOF

export interface RequestHead {
  readonly method: string;
  /** request-target exactly as received */
  readonly target: string;
  readonly versionMinor: 0 | 1;
  /** every header field as received, names lower-cased, values with OWS trimmed */
  readonly headers: HeaderList;
  /** the Host value (null only for HTTP/1.0 without Host) */
  readonly host: string | null;
  /** 'none' | 'length' | 'chunked' */
  readonly framing: BodyFraming;
  /** may the connection carry another request after this one */
  readonly keepAlive: boolean;
  /** lower-cased Upgrade value when Connection lists "upgrade"; 'connect' for CONNECT */
  readonly upgrade: string | null;
  /** Expect: 100-continue (other Expect values are a 417 error) */
  readonly expectContinue: boolean;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly versionMinor: 0 | 1;
  readonly headers: HeaderList;
  readonly framing: BodyFraming;
  readonly keepAlive: boolean;
  /** for 101 responses: the Upgrade value; 'connect' for 2xx to CONNECT */
  readonly upgrade: string | null;
}

export interface H1Limits {
  /** Field lines per message, head and trailers together (more is 431). */
  maxHeaderCount: number;
  /** Bytes of a head: start line, field lines and the final CRLF; trailer lines count too (more is 431). */
  maxHeaderBytes: number;
  /** Bytes of a request-target (more is 414). */
  maxUriBytes: number;
}

export const DEFAULT_LIMITS: H1Limits = { maxHeaderCount: 100, maxHeaderBytes: 60 * 1024, maxUriBytes: 8 * 1024 };

export interface H1Handler<Head> {
  onHead(head: Head): void;
  /** body bytes, de-chunked; may be a subarray of the input buffer */
  onData(chunk: Buffer): void;
  /** only for chunked bodies that carry trailers */
  onTrailers(trailers: HeaderList): void;
  /** end of one message */
  onComplete(): void;
  /** the parser is dead afterwards; no more events */
  onError(err: H1ParseError): void;
}

// Shared, immutable framing values: a head costs no framing allocation unless it has a length.
export const FRAMING_NONE: BodyFraming = Object.freeze({ kind: 'none' });
export const FRAMING_CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const FRAMING_CLOSE: BodyFraming = Object.freeze({ kind: 'close' });
