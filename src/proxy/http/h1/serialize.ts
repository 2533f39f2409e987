// Serializes HTTP/1.1 heads and chunk framing as latin1 strings, refusing any name or value that could break framing.
import { STATUS_CODES } from 'node:http';
import { WeftError } from '../../../core/errors.ts';
import type { HeaderList } from '../headers.ts';
import { TARGET } from './chars.ts';

export const CHUNK_SUFFIX = '\r\n';

/**
 * `METHOD target HTTP/1.1` CRLF, the fields, then `extra` fields (name, value, name, value… — this
 * hop's own, such as Host and framing, so the caller need not copy `headers` to add them), CRLF.
 * Framing headers are the caller's: they are written as given.
 */
export function requestHead(method: string, target: string, headers: HeaderList, extra?: HeaderList): string {
  const head = addFields(requestLine(method, target), headers, REQUEST_FIELDS);
  return `${extra === undefined ? head : addFields(head, extra)}\r\n`;
}

/** `METHOD target HTTP/1.1` CRLF, both checked. */
function requestLine(method: string, target: string): string {
  if (!TOKEN_RE.test(method)) refuse('method', method);
  for (let i = 0; i < target.length; i++) if (!(target.charCodeAt(i) < 0x80 && TARGET[target.charCodeAt(i)] === 1)) refuse('request-target', target);
  if (target.length === 0) refuse('request-target', target);
  return `${method} ${target} HTTP/1.1\r\n`;
}

/** `HTTP/1.1 status reason` CRLF, the fields, CRLF; the reason defaults to the standard phrase. */
export function responseHead(status: number, reason: string | undefined, headers: HeaderList): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) refuse('status', String(status));
  const phrase = reason ?? STATUS_CODES[status] ?? '';
  if (!isFieldValue(phrase)) refuse('reason phrase', phrase);
  return fields(`HTTP/1.1 ${status} ${phrase}\r\n`, headers);
}

/**
 * Checks a response head as responseHead() does (standard reason phrase) and returns its size in
 * bytes, so it can be written straight into a buffer shared with body bytes by writeResponseHead().
 */
export function responseHeadSize(status: number, headers: HeaderList): number {
  return statusLine(status).length + fieldsSize(headers) + 2;
}

/**
 * Writes the head responseHeadSize() measured (and checked) at `off`; returns the offset after it.
 * Writing the pieces directly skips building a string and flattening it to write it.
 */
export function writeResponseHead(out: Buffer, off: number, status: number, headers: HeaderList): number {
  off += (out as unknown as Latin1Writer).latin1Write(statusLine(status), off);
  off = writeFields(out, off, headers);
  out[off++] = 0x0d;
  out[off++] = 0x0a;
  return off;
}

/** Bytes of the field lines, each name and value checked as addFields() checks them. */
function fieldsSize(headers: HeaderList): number {
  let size = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    checkField(RESPONSE_FIELDS, i, name, value);
    size += name.length + value.length + 4;
  }
  return size;
}

/** Writes field lines fieldsSize() has checked; returns the offset after them. */
function writeFields(out: Buffer, off: number, headers: HeaderList): number {
  const w = out as unknown as Latin1Writer;
  for (let i = 0; i < headers.length; i += 2) {
    off += w.latin1Write(headers[i], off);
    out[off++] = 0x3a; // ':'
    out[off++] = 0x20;
    off += w.latin1Write(headers[i + 1], off);
    out[off++] = 0x0d;
    out[off++] = 0x0a;
  }
  return off;
}

/** Buffer's latin1 writer (not in Node's type definitions): one code unit per byte, as the checks above require. */
interface Latin1Writer {
  latin1Write(s: string, offset: number): number;
}

const STATUS_LINES: string[] = [];

/** `HTTP/1.1 status reason` CRLF with the standard phrase, built once per status. */
function statusLine(status: number): string {
  const cached = STATUS_LINES[status];
  if (cached !== undefined) return cached;
  if (!Number.isInteger(status) || status < 100 || status > 999) refuse('status', String(status));
  return (STATUS_LINES[status] = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`);
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
  return `${addFields(first, headers)}\r\n`;
}

function addFields(first: string, headers: HeaderList, memo: (string | null)[] = OTHER_FIELDS): string {
  let out = first;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    checkField(memo, i, name, value);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/**
 * Refuses a name that is not a token or a value that could break framing. Heads from one peer
 * repeat field for field (the same names, mostly the same values), so the last name and value
 * found valid at each position are kept: a string equal to one already checked is valid without a
 * second scan (strings are immutable; only checked strings are kept).
 */
function checkField(memo: (string | null)[], i: number, name: string, value: string): void {
  if (i < MEMO_SLOTS) {
    if (memo[i] !== name) {
      if (!TOKEN_RE.test(name)) refuse('header name', name);
      memo[i] = name;
    }
    if (memo[i + 1] !== value) {
      if (NOT_FIELD_VALUE.test(value)) refuse(`value of header ${name}`, value);
      memo[i + 1] = value;
    }
    return;
  }
  if (!TOKEN_RE.test(name)) refuse('header name', name);
  if (NOT_FIELD_VALUE.test(value)) refuse(`value of header ${name}`, value);
}

/** Names and values of the first 32 fields; response heads, request heads and the rest apart, as their fields differ. */
const MEMO_SLOTS = 64;
// null, not holes: an absent entry must never equal a value, not even an undefined one.
const RESPONSE_FIELDS = new Array<string | null>(MEMO_SLOTS).fill(null);
const REQUEST_FIELDS = new Array<string | null>(MEMO_SLOTS).fill(null);
const OTHER_FIELDS = new Array<string | null>(MEMO_SLOTS).fill(null);

// The checks are regular expressions: V8 runs them over a (sliced) string several times faster
// than a charCodeAt loop, and every head the proxy writes goes through them.
/** A token (RFC 9110 §5.6.2): tchar only, at least one. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Values are written as latin1, so a code unit above 0xff would be mangled; CR, LF, NUL and other CTLs could split
// the message. Allowed: HTAB, SP, VCHAR, obs-text.
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function isFieldValue(s: string): boolean {
  return !NOT_FIELD_VALUE.test(s);
}

function refuse(what: string, value: string): never {
  throw new WeftError('WEFT_INTERNAL', `refusing to serialize an HTTP/1.1 ${what} that could break message framing: ${JSON.stringify(value)}`);
}
