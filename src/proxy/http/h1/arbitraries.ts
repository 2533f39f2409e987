// fast-check generators of valid HTTP/1.1 messages (as bytes) with the heads and bodies they must parse to.
import fc from 'fast-check';
import type { HeaderList } from '../headers.ts';
import { chunkPrefix, CHUNK_SUFFIX, lastChunk, requestHead, responseHead } from './serialize.ts';

const TCHAR = "!#$%&'*+-.^`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const VCHAR = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const PATH = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%?";
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect', 'te', 'trailer']);

const chars = (alphabet: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });

/** A field name that is a token without `_` and not one of the framing fields (those are added deliberately). */
export const fieldName = chars(TCHAR, 1, 20).filter((n) => !RESERVED.has(n.toLowerCase()));
/** A field value without leading or trailing whitespace: VCHAR and obs-text, single inner spaces and tabs. */
export const fieldValue = fc
  .array(fc.oneof({ weight: 8, arbitrary: chars(VCHAR, 1, 8) }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t', '\xe9', '\xff') }), { maxLength: 8 })
  .map((parts) => parts.join(''))
  .filter((v) => v === v.replace(/^[ \t]+|[ \t]+$/g, ''));
export const fields: fc.Arbitrary<HeaderList> = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 }).map((pairs) => pairs.flat());

export const body = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });
/** Splits of a body into chunks of at least one byte. */
const chunking = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 });

export interface ValidMessage {
  readonly bytes: Buffer;
  /** What the head must parse to (lower-cased names; framing fields included). */
  readonly method?: string;
  readonly target?: string;
  readonly status?: number;
  readonly headers: HeaderList;
  readonly body: string;
  readonly trailers: HeaderList;
}

function chunked(data: string, sizes: readonly number[], trailers: HeaderList): string {
  let out = '';
  let at = 0;
  for (const size of sizes) {
    if (at >= data.length) break;
    const piece = data.slice(at, at + size);
    out += chunkPrefix(piece.length) + piece + CHUNK_SUFFIX;
    at += piece.length;
  }
  if (at < data.length) out += chunkPrefix(data.length - at) + data.slice(at) + CHUNK_SUFFIX;
  return out + lastChunk(trailers);
}

const lower = (h: HeaderList) => h.map((x, i) => (i % 2 === 0 ? x.toLowerCase() : x));

/** A valid request (HTTP/1.1, origin-form) with no body, a Content-Length body, or a chunked body with trailers. */
export const request: fc.Arbitrary<ValidMessage> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'X-CUSTOM'),
    path: chars(PATH, 0, 40),
    host: chars('abcdefghijklmnopqrstuvwxyz0123456789.-', 1, 20),
    fields,
    framing: fc.constantFrom('none', 'length', 'chunked'),
    body,
    sizes: chunking,
    trailers: fields,
  })
  .map(({ method, path, host, fields: extra, framing, body: data, sizes, trailers }) => {
    const headers = ['Host', host, ...extra];
    const content = framing === 'none' ? '' : data;
    if (framing === 'length') headers.push('Content-Length', String(content.length));
    if (framing === 'chunked') headers.push('Transfer-Encoding', 'chunked');
    const tr = framing === 'chunked' ? trailers : [];
    const wire = requestHead(method, `/${path}`, headers) + (framing === 'chunked' ? chunked(content, sizes, tr) : content);
    return { bytes: Buffer.from(wire, 'latin1'), method, target: `/${path}`, headers: lower(headers), body: content, trailers: lower(tr) };
  });

/** A valid final response to GET framed by Content-Length or chunked (never close-delimited, so it can be pipelined). */
export const response: fc.Arbitrary<ValidMessage> = fc
  .record({ status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304), fields, chunked: fc.boolean(), body, sizes: chunking, trailers: fields })
  .map(({ status, fields: extra, chunked: isChunked, body: data, sizes, trailers }) => {
    const headers = [...extra, ...(isChunked ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(data.length)])];
    const tr = isChunked ? trailers : [];
    const wire = responseHead(status, undefined, headers) + (isChunked ? chunked(data, sizes, tr) : data);
    return { bytes: Buffer.from(wire, 'latin1'), status, headers: lower(headers), body: data, trailers: lower(tr) };
  });

/** Cut points for splitting a message of `length` bytes into arbitrary chunks. */
export const cuts = (length: number) => fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 });
