// Header hygiene at the proxy boundary: hop-by-hop fields are this hop's business only
// (RFC 9110 §7.6.1), and the forwarded-for / request-id fields are stamped once.
import { randomUUID } from 'node:crypto';
import type { HeaderList } from './headers.ts';

/**
 * Fields that describe one connection, never forwarded (HTTP/2 forbids them outright), plus
 * `host`: the request's authority travels beside the list and each codec writes it (Host or
 * :authority) after routing has had its chance to rewrite it.
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te',
  'http2-settings', 'proxy-authenticate', 'proxy-authorization', 'trailer', 'host',
]);

export interface StripResult {
  /** `te: trailers` was present: the client understands trailers (gRPC needs it forwarded). */
  teTrailers: boolean;
}

/**
 * Removes hop-by-hop fields in place, including any named by `Connection`, and the
 * message's own framing (Content-Length is rebuilt by the codec of the next hop).
 * Returns what the caller needs to know about what was removed.
 */
export function stripHopByHop(headers: HeaderList, keepContentLength: boolean): StripResult {
  let named: Set<string> | null = null;
  let teTrailers = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (name === 'connection') {
      for (const token of headers[i + 1].split(',')) {
        const t = token.trim().toLowerCase();
        if (t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (named ??= new Set()).add(t);
      }
    } else if (name === 'te') {
      teTrailers ||= headers[i + 1].split(',').some((t) => t.trim().toLowerCase() === 'trailers');
    }
  }
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    const name = headers[r];
    if (HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue;
    if (!keepContentLength && name === 'content-length') continue;
    headers[w] = name;
    headers[w + 1] = headers[r + 1];
    w += 2;
  }
  headers.length = w;
  return { teTrailers };
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
