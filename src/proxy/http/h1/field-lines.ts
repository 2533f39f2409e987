// Field-line syntax (RFC 9112 §5): a validating scan that records offsets, then one pass that cuts the strings.
import type { HeaderList } from '../headers.ts';
import { COLON, CR, HTAB, LF, SP, TOKEN, TOKEN_UNDERSCORE, TOKEN_UPPER } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';
import { type FieldFacts, noteField } from './field-facts.ts';
import { knownName } from './names.ts';

/** Returned by scans that reach the end of the bytes before the end of what they scan: nothing is wrong yet. */
export const INCOMPLETE = -1;

// Five slots per field line: name start, name end, value start, value end, name byte classes. Module-wide and
// reused: a scan and the build that reads it run back to back with no handler call in between.
const SLOTS = 5;
let scratch = new Int32Array(SLOTS * 128);

/**
 * Validates the field line at `i` (bytes end at `len`) and records its offsets in slot `k`.
 * Returns the index after its CRLF, or INCOMPLETE. Errors depend only on bytes already seen,
 * so a prefix of a head fails exactly when the whole head would.
 */
export function scanFieldLine(buf: Buffer, i: number, len: number, k: number): number {
  const pos = i;
  let c = buf[i];
  // A line starting with whitespace continues the previous one (obs-fold): recipients disagree on it, so refuse.
  if (c === SP || c === HTAB) bad('obs-fold');
  let cls = 0;
  let t: number;
  while ((t = TOKEN[c]) > 0) {
    cls |= t;
    c = buf[++i];
  }
  if (c !== COLON) {
    if (i >= len) return INCOMPLETE;
    if (c === SP || c === HTAB) bad('space-before-colon');
    if (c === LF) bad('bare-lf');
    if (c === CR) bad(i === pos ? 'bare-cr' : 'missing-colon');
    bad('invalid-header-name');
  }
  if (i === pos) bad('empty-header-name');
  // `_` is a tchar, but CGI-style gateways map it onto `-`, which lets one header pose as another.
  if ((cls & TOKEN_UNDERSCORE) !== 0) bad('underscore-in-header-name');
  const nameEnd = i;
  c = buf[++i];
  while (c === SP || c === HTAB) c = buf[++i];
  const valueStart = i;
  // Range checks beat a table lookup here, and this loop sees most of a head's bytes. Allowed: HTAB, SP, VCHAR, obs-text.
  for (;;) {
    while (c > 0x1f && c !== 0x7f) c = buf[++i];
    if (c !== HTAB) break;
    c = buf[++i];
  }
  if (c !== CR) {
    if (i >= len) return INCOMPLETE;
    bad(c === LF ? 'bare-lf' : c === 0 ? 'nul-in-header' : 'ctl-in-header');
  }
  if (buf[i + 1] !== LF) {
    if (i + 1 >= len) return INCOMPLETE;
    bad('bare-cr');
  }
  let valueEnd = i;
  while (valueEnd > valueStart && ((c = buf[valueEnd - 1]) === SP || c === HTAB)) valueEnd--;
  const o = k * SLOTS;
  if (o + SLOTS > scratch.length) {
    const grown = new Int32Array(scratch.length * 2);
    grown.set(scratch);
    scratch = grown;
  }
  scratch[o] = pos;
  scratch[o + 1] = nameEnd;
  scratch[o + 2] = valueStart;
  scratch[o + 3] = valueEnd;
  scratch[o + 4] = cls;
  return i + 2;
}

/**
 * Scans the field section from `i` through its final empty line. Returns the number of fields (facts.headEnd is
 * then the index after the final CRLF) or INCOMPLETE. Refuses more than `maxCount` fields or a head reaching past `maxEnd`.
 */
export function scanFields(buf: Buffer, i: number, len: number, facts: FieldFacts, maxCount: number, maxEnd: number): number {
  for (let n = 0; ; n++) {
    if (buf[i] === CR) {
      if (i + 1 >= len) return INCOMPLETE;
      if (buf[i + 1] !== LF) bad('bare-cr');
      if (i + 2 > maxEnd) throw new H1ParseError(431, 'headers-too-large');
      facts.headEnd = i + 2;
      return n;
    }
    if (i >= len) return INCOMPLETE;
    if (n === maxCount) throw new H1ParseError(431, 'too-many-headers');
    i = scanFieldLine(buf, i, len, n);
    if (i === INCOMPLETE) return INCOMPLETE;
    if (i > maxEnd) throw new H1ParseError(431, 'headers-too-large');
  }
}

/**
 * Cuts names and values of the `n` scanned fields out of `str` (the latin1 decoding of `buf` from `base`) onto `out`:
 * names lower-cased (common ones shared), values OWS-trimmed. With `facts`, also records what they mean.
 */
export function buildFields(buf: Buffer, str: string, base: number, n: number, out: HeaderList, facts: FieldFacts | null): void {
  const s = scratch;
  for (let k = 0; k < n * SLOTS; k += SLOTS) {
    const ns = s[k];
    const ne = s[k + 1];
    let name = knownName(buf, ns, ne);
    if (name === undefined) {
      name = str.slice(ns - base, ne - base);
      if ((s[k + 4] & TOKEN_UPPER) !== 0) name = name.toLowerCase();
    }
    const value = str.slice(s[k + 2] - base, s[k + 3] - base);
    out.push(name, value);
    if (facts !== null) noteField(facts, name, value);
  }
}
