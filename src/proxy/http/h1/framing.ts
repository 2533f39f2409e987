// Transfer-Encoding acceptance (RFC 9112 §6.1): exactly "chunked", or the precise reason it is refused.
import { HTAB, SP, TOKEN, skipQuoted } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';

/**
 * Accepts a Transfer-Encoding value (OWS already trimmed) only when it is `chunked`, case-insensitively.
 * A well-formed coding list that is anything else (`gzip, chunked`, `identity`) is a 501: we understand the
 * request but will not decode it. Anything malformed is a 400, since peers may read malformed values differently.
 */
export function checkTransferEncoding(value: string): void {
  if (value.length === 7 && value.toLowerCase() === 'chunked') return;
  if (isCodingList(value)) throw new H1ParseError(501, 'unsupported-transfer-encoding', JSON.stringify(value));
  bad('invalid-transfer-encoding', JSON.stringify(value));
}

/** 1#transfer-coding: token *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) ), no empty elements. */
function isCodingList(v: string): boolean {
  let i = 0;
  const n = v.length;
  for (;;) {
    i = skipOws(v, i);
    const t = skipToken(v, i);
    if (t === i) return false;
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
