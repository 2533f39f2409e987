// Transfer-Encoding acceptance (RFC 9112 §6.1): exactly "chunked", or the precise reason it is refused.
import { HTAB, SP, TOKEN, skipQuoted } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';

/** Transfer codings in the IANA registry: a list of these is a real request we decline (501), not an obfuscation. */
const REGISTERED = new Set(['chunked', 'compress', 'deflate', 'gzip', 'identity', 'trailers', 'x-compress', 'x-gzip']);

/**
 * Accepts a Transfer-Encoding value (OWS already trimmed) only when it is `chunked`, case-insensitively.
 * A well-formed list of registered codings that is anything else (`gzip, chunked`, `identity`) is a 501: a real
 * request we will not decode. Anything else is a 400: malformed values, and unregistered look-alikes such as
 * `xchunked`, are how TE.TE smuggling hides `chunked` from one of two parsers.
 */
export function checkTransferEncoding(value: string): void {
  if (value.length === 7 && value.toLowerCase() === 'chunked') return;
  if (isCodingList(value)) throw new H1ParseError(501, 'unsupported-transfer-encoding', JSON.stringify(value));
  bad('invalid-transfer-encoding', JSON.stringify(value));
}

/** 1#transfer-coding of registered codings: token *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) ), no empty elements. */
function isCodingList(v: string): boolean {
  let i = 0;
  const n = v.length;
  for (;;) {
    i = skipOws(v, i);
    const t = skipToken(v, i);
    if (t === i || !REGISTERED.has(v.slice(i, t).toLowerCase())) return false;
    i = skipOws(v, t);
    while (i < n && v.charCodeAt(i) === 0x3b /* ; */) {
      i = skipOws(v, i + 1);
      let e = skipToken(v, i);
      if (e === i) return false;
      i = skipOws(v, e);
      if (v.charCodeAt(i) !== 0x3d /* = */) return false;
      i = skipOws(v, i + 1);
      e = v.charCodeAt(i) === 0x22 ? skipQuoted(v, i) : skipToken(v, i);
      if (e <= i) return false;
      i = skipOws(v, e);
    }
    if (i === n) return true;
    if (v.charCodeAt(i) !== 0x2c /* , */) return false;
    i++;
  }
}

function skipOws(v: string, i: number): number {
  let c: number;
  while ((c = v.charCodeAt(i)) === SP || c === HTAB) i++;
  return i;
}

function skipToken(v: string, i: number): number {
  while (i < v.length && TOKEN[v.charCodeAt(i)] !== 0) i++;
  return i;
}
