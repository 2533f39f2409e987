// What the parser keeps of an unfinished head or line between chunks, and the refusals it can make before the end arrives.
import { CR, LF, SP, TARGET, TOKEN } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';
import type { H1Limits } from './types.ts';

const EMPTY = Buffer.alloc(0);
/** A buffer bigger than this is dropped once emptied, so idle keep-alive connections stay small. */
const KEEP = 4096;

/** Bytes copied out of earlier chunks (never handed to a handler, so the memory can be reused). */
export class Accumulator {
  buf: Buffer = EMPTY;
  len = 0;

  append(b: Buffer, s: number, e: number): void {
    const need = this.len + e - s;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 256));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    b.copy(this.buf, this.len, s, e);
    this.len = need;
  }

  reset(): void {
    this.len = 0;
    if (this.buf.length > KEEP) this.buf = EMPTY;
  }

  /** The kept bytes (a view: copy before the next append). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Early refusals while a head in `b[s, e)` is incomplete, so a peer cannot make us hold bytes we will refuse anyway:
 * bare LF / bare CR (a head ended by LF alone would otherwise wait for CRLFCRLF forever), 414 and 431 (`limit`).
 * Only bytes from `from` on are new, so a head trickled byte by byte is scanned once. `uriChecked` says the
 * request-target was already judged; returns the new value (true once the request line is complete).
 */
export function checkPartialHead(b: Buffer, s: number, e: number, from: number, limit: number, limits: H1Limits, request: boolean, uriChecked: boolean): boolean {
  let sawLf = false;
  for (let j = b.indexOf(LF, from); j !== -1 && j < e; j = b.indexOf(LF, j + 1)) {
    if (j === s || b[j - 1] !== CR) bad('bare-lf');
    sawLf = true;
  }
  for (let j = b.indexOf(CR, from > s ? from - 1 : s); j !== -1 && j + 1 < e; j = b.indexOf(CR, j + 1)) {
    if (b[j + 1] !== LF) bad('bare-cr');
  }
  if (request && !uriChecked) {
    if (e - s > limits.maxUriBytes && targetTooLong(b, s, e, limits.maxUriBytes)) throw new H1ParseError(414, 'uri-too-long');
    uriChecked = sawLf;
  }
  if (e - s > limit) throw new H1ParseError(431, 'headers-too-large');
  return uriChecked;
}

/** Whether the request-target starting in `b[s, e)` is already longer than `max`. Scans at most that many bytes. */
function targetTooLong(b: Buffer, s: number, e: number, max: number): boolean {
  if (b[s] === CR && b[s + 1] === LF) s += 2;
  while (s < e && TOKEN[b[s]] !== 0) s++;
  if (b[s] !== SP) return false;
  let i = s + 1;
  const stop = Math.min(e, i + max + 1);
  while (i < stop && TARGET[b[i]] === 1) i++;
  return i - s - 1 > max;
}
