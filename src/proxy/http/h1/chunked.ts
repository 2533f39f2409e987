// Chunk-size lines of the chunked transfer coding (RFC 9112 §7.1), parsed strictly.
import { HEX, TOKEN, skipQuoted } from './chars.ts';
import { bad } from './errors.ts';

const MAX_DIGITS = 16;

/**
 * Parses `chunk-size [ chunk-ext ]` in `buf[s, e)` (CRLF excluded; `buf[e]` is the CR) and returns the size.
 * Only 1–16 hex digits: no sign, `0x`, whitespace or size past 2^53-1, since peers that read such sizes
 * differently disagree on where the body ends. Extensions must be well-formed and are discarded.
 */
export function parseChunkLine(buf: Buffer, s: number, e: number): number {
  let i = s;
  let n = 0;
  let h: number;
  while ((h = HEX[buf[i]]) !== 0) {
    n = n * 16 + h - 1;
    i++;
  }
  if (i === s || i - s > MAX_DIGITS || n > Number.MAX_SAFE_INTEGER) bad('invalid-chunk-size');
  if (i < e) {
    if (buf[i] !== 0x3b /* ; */) bad('invalid-chunk-size');
    if (!isChunkExt(buf.toString('latin1', i, e))) bad('invalid-chunk-extension');
  }
  return n;
}

/** *( ";" token [ "=" ( token / quoted-string ) ] ) with no whitespace (the BWS the grammar tolerates is refused). */
function isChunkExt(x: string): boolean {
  let i = 0;
  while (i < x.length) {
    if (x.charCodeAt(i) !== 0x3b) return false;
    let t = ++i;
    while (t < x.length && TOKEN[x.charCodeAt(t)] !== 0) t++;
    if (t === i) return false;
    i = t;
    if (x.charCodeAt(i) === 0x3d /* = */) {
      i++;
      t = i;
      if (x.charCodeAt(i) === 0x22) t = skipQuoted(x, i);
      else while (t < x.length && TOKEN[x.charCodeAt(t)] !== 0) t++;
      if (t <= i) return false;
      i = t;
    }
  }
  return true;
}
