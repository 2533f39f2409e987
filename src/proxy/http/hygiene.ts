// Header hygiene at the proxy boundary: hop-by-hop fields are this hop's business only
// (RFC 9110 §7.6.1), and the forwarded-for / request-id fields are stamped once.
import { randomUUID } from 'node:crypto';
import type { HeaderList } from './headers.ts';

/**
 * Fields that describe one connection, never forwarded (HTTP/2 forbids them outright), plus
 * `host`: the request's authority travels beside the list and each codec writes it (Host or
 * :authority) after routing has had its chance to rewrite it. Tested by length first: most names
 * have a length no such field has, and the rest are compared with one or two constants (the
 * parser hands out these very strings, so the comparisons are mostly pointer checks).
 */
function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2: return name === 'te';
    case 4: return name === 'host';
    case 7: return name === 'upgrade' || name === 'trailer';
    case 10: return name === 'connection' || name === 'keep-alive';
    case 14: return name === 'http2-settings';
    case 16: return name === 'proxy-connection';
    case 17: return name === 'transfer-encoding';
    case 18: return name === 'proxy-authenticate';
    case 19: return name === 'proxy-authorization';
    default: return false;
  }
}

export interface StripResult {
  /** `te: trailers` was present: the client understands trailers (gRPC needs it forwarded). */
  readonly teTrailers: boolean;
}

// Shared results: stripping runs twice per request and must not allocate.
const TE_TRAILERS: StripResult = Object.freeze({ teTrailers: true });
const NO_TE_TRAILERS: StripResult = Object.freeze({ teTrailers: false });

/**
 * Removes hop-by-hop fields in place, including any named by `Connection`, and the
 * message's own framing (Content-Length is rebuilt by the codec of the next hop).
 * Returns what the caller needs to know about what was removed.
 */
export function stripHopByHop(headers: HeaderList, keepContentLength: boolean): StripResult {
  // One compacting pass; fields named by Connection (rare: real clients send `keep-alive` or
  // `close`) take a second pass, since they may come before the Connection field itself.
  let named: Set<string> | null = null;
  let teTrailers = false;
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    const name = headers[r];
    const value = headers[r + 1];
    if (isHopByHop(name)) {
      if (name === 'connection') named = connectionNamed(value, named);
      else if (name === 'te') teTrailers ||= value === 'trailers' || hasToken(value, 'trailers');
      continue;
    }
    if (!keepContentLength && name === 'content-length') continue;
    headers[w] = name;
    headers[w + 1] = value;
    w += 2;
  }
  headers.length = w;
  if (named !== null) {
    w = 0;
    for (let r = 0; r < headers.length; r += 2) {
      if (named.has(headers[r])) continue;
      headers[w] = headers[r];
      headers[w + 1] = headers[r + 1];
      w += 2;
    }
    headers.length = w;
  }
  return teTrailers ? TE_TRAILERS : NO_TE_TRAILERS;
}

/** Adds the field names a Connection value lists (beyond the connection options themselves) to `named`. */
function connectionNamed(value: string, named: Set<string> | null): Set<string> | null {
  if (value === 'keep-alive' || value === 'close') return named;
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (named ??= new Set()).add(t);
  }
  return named;
}

function hasToken(value: string, token: string): boolean {
  return value.split(',').some((t) => t.trim().toLowerCase() === token);
}

export interface ForwardingOptions {
  remoteAddress: string;
  scheme: 'http' | 'https';
  generateRequestId: boolean;
  skipXffAppend: boolean;
}

/** Sets x-request-id (when absent), appends to x-forwarded-for and sets x-forwarded-proto. */
export function stampForwarding(headers: HeaderList, options: ForwardingOptions): string {
  let requestId = '';
  let xffIndex = -1;
  let hasProto = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (name === 'x-request-id') requestId = headers[i + 1];
    else if (name === 'x-forwarded-for') xffIndex = i + 1;
    else if (name === 'x-forwarded-proto') hasProto = true;
  }
  if (requestId === '' && options.generateRequestId) {
    requestId = randomUUID();
    headers.push('x-request-id', requestId);
  }
  if (!options.skipXffAppend) {
    if (xffIndex >= 0) headers[xffIndex] = `${headers[xffIndex]}, ${options.remoteAddress}`;
    else headers.push('x-forwarded-for', options.remoteAddress);
  }
  if (!hasProto) headers.push('x-forwarded-proto', options.scheme);
  return requestId;
}
