// Serializes HTTP/1.1 heads and chunk framing as latin1 strings, refusing any name or value that could break framing.
import { STATUS_CODES } from 'node:http';
import { WeftError } from '../../../core/errors.ts';
import type { HeaderList } from '../headers.ts';
import { HTAB, isToken, TARGET } from './chars.ts';

export const CHUNK_SUFFIX = '\r\n';

/** `METHOD target HTTP/1.1` CRLF, the fields, CRLF. Framing headers are the caller's: they are written as given. */
export function requestHead(method: string, target: string, headers: HeaderList): string {
  if (!isToken(method)) refuse('method', method);
  for (let i = 0; i < target.length; i++) if (!(target.charCodeAt(i) < 0x80 && TARGET[target.charCodeAt(i)] === 1)) refuse('request-target', target);
  if (target.length === 0) refuse('request-target', target);
  return fields(`${method} ${target} HTTP/1.1\r\n`, headers);
}

/** `HTTP/1.1 status reason` CRLF, the fields, CRLF; the reason defaults to the standard phrase. */
export function responseHead(status: number, reason: string | undefined, headers: HeaderList): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) refuse('status', String(status));
  const phrase = reason ?? STATUS_CODES[status] ?? '';
  if (!isFieldValue(phrase)) refuse('reason phrase', phrase);
  return fields(`HTTP/1.1 ${status} ${phrase}\r\n`, headers);
}

/** The size line before `length` bytes of chunk data. A zero length would end the body, so it is refused. */
export function chunkPrefix(length: number): string {
  if (!Number.isSafeInteger(length) || length <= 0) refuse('chunk length', String(length));
  return `${length.toString(16)}\r\n`;
}

/** The last chunk, the trailer fields if any, and the final CRLF. */
export function lastChunk(trailers?: HeaderList): string {
  return trailers === undefined || trailers.length === 0 ? '0\r\n\r\n' : fields('0\r\n', trailers);
}

function fields(first: string, headers: HeaderList): string {
  let out = first;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    if (!isToken(name)) refuse('header name', name);
    if (!isFieldValue(value)) refuse(`value of header ${name}`, value);
    out += `${name}: ${value}\r\n`;
  }
  return `${out}\r\n`;
}

// Values are written as latin1, so a code unit above 0xff would be mangled; CR, LF, NUL and other CTLs could split the message.
function isFieldValue(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // SP and VCHAR (0x20–0x7e) are almost every byte of a real value: test that range first, then HTAB and obs-text.
    if ((c < 0x20 || c > 0x7e) && c !== HTAB && (c < 0x80 || c > 0xff)) return false;
  }
  return true;
}

function refuse(what: string, value: string): never {
  throw new WeftError('WEFT_INTERNAL', `refusing to serialize an HTTP/1.1 ${what} that could break message framing: ${JSON.stringify(value)}`);
}
