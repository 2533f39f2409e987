// Field lines (RFC 9112 §5): strict syntax, lower-cased names, and the facts about framing fields a head needs.
import type { HeaderList } from '../headers.ts';
import { COLON, CR, HTAB, HOST, LF, SP, TOKEN, TOKEN_UNDERSCORE, TOKEN_UPPER } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';
import { knownName } from './names.ts';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** What the framing-relevant fields of one message said. One instance per parser, reset per message (no per-request allocation). */
export class FieldFacts {
  count = 0;
  contentLength = -1;
  transferEncoding: string | null = null;
  host: string | null = null;
  hostCount = 0;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  upgrade: string | null = null;
  expectContinue = false;
  /** An Expect other than 100-continue: answered 417 only once the whole head is known to be well-formed. */
  expectUnsupported = false;

  reset(): void {
    this.count = 0;
    this.contentLength = -1;
    this.transferEncoding = null;
    this.host = null;
    this.hostCount = 0;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.upgrade = null;
    this.expectContinue = false;
    this.expectUnsupported = false;
  }
}

/**
 * Parses one field line starting at `pos` (which the caller guarantees is followed, somewhere, by CRLF)
 * and pushes name and value onto `out`. `str` is the latin1 decoding of `buf` from `base`, so
 * strings are cut from one decoded head instead of decoded field by field. Returns the index after the CRLF.
 */
export function parseFieldLine(buf: Buffer, pos: number, str: string, base: number, out: HeaderList): number {
  let i = pos;
  let c = buf[i];
  // A line starting with whitespace continues the previous one (obs-fold): recipients disagree on it, so refuse.
  if (c === SP || c === HTAB) bad('obs-fold');
  let cls = 0;
  let t: number;
  while ((t = TOKEN[c]) !== 0) {
    cls |= t;
    c = buf[++i];
  }
  if (c !== COLON) {
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
  if (c !== CR) bad(c === LF ? 'bare-lf' : c === 0 ? 'nul-in-header' : 'ctl-in-header');
  if (buf[i + 1] !== LF) bad('bare-cr');
  let valueEnd = i;
  while (valueEnd > valueStart && ((c = buf[valueEnd - 1]) === SP || c === HTAB)) valueEnd--;
  let name = knownName(buf, pos, nameEnd);
  if (name === undefined) {
    name = str.slice(pos - base, nameEnd - base);
    if ((cls & TOKEN_UPPER) !== 0) name = name.toLowerCase();
  }
  out.push(name, str.slice(valueStart - base, valueEnd - base));
  return i + 2;
}

/** Parses the field lines in `buf[i, end)` of a head, resetting and filling `facts`. */
export function parseFieldSection(buf: Buffer, i: number, end: number, str: string, base: number, facts: FieldFacts, maxCount: number): HeaderList {
  const headers: HeaderList = [];
  facts.reset();
  while (i < end) {
    i = parseFieldLine(buf, i, str, base, headers);
    if (++facts.count > maxCount) throw new H1ParseError(431, 'too-many-headers');
  }
  // Meaning only once the whole section is well-formed, so a fold or bare CR is reported as such, not as a bad value.
  for (let k = 0; k < headers.length; k += 2) noteField(facts, headers[k], headers[k + 1]);
  return headers;
}

/** Records what a request or response field means for framing and connection handling. */
export function noteField(facts: FieldFacts, name: string, value: string): void {
  switch (name.length) {
    case 4:
      if (name === 'host') {
        if (++facts.hostCount > 1) bad('duplicate-host');
        for (let i = 0; i < value.length; i++) if (HOST[value.charCodeAt(i)] !== 1) bad('invalid-host');
        facts.host = value;
      }
      return;
    case 6:
      if (name === 'expect') {
        if (value.length === 12 && value.toLowerCase() === '100-continue') facts.expectContinue = true;
        else facts.expectUnsupported = true;
      }
      return;
    case 7:
      if (name === 'upgrade') facts.upgrade = facts.upgrade === null ? value.toLowerCase() : `${facts.upgrade}, ${value.toLowerCase()}`;
      return;
    case 10:
      if (name === 'connection') noteConnection(facts, value);
      return;
    case 14:
      if (name === 'content-length') {
        // Even an equal duplicate is refused: some peers join duplicates into "5, 5" and reject, others take one.
        if (facts.contentLength !== -1) bad('duplicate-content-length');
        facts.contentLength = parseContentLength(value);
      }
      return;
    case 17:
      if (name === 'transfer-encoding') {
        if (facts.transferEncoding !== null) bad('duplicate-transfer-encoding');
        facts.transferEncoding = value;
      }
      return;
  }
}

/** 1*DIGIT and at most 2^53-1, nothing else: no sign, no inner whitespace, no list. */
export function parseContentLength(value: string): number {
  if (value.length === 0) bad('invalid-content-length');
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) bad('invalid-content-length', JSON.stringify(value));
    n = n * 10 + d;
    if (n > MAX_SAFE) bad('invalid-content-length', 'too large');
  }
  return n;
}

function noteConnection(facts: FieldFacts, value: string): void {
  const v = value.toLowerCase();
  // The common single-option values skip the list walk.
  if (v === 'keep-alive') facts.connKeepAlive = true;
  else if (v === 'close') facts.connClose = true;
  else if (v === 'upgrade') facts.connUpgrade = true;
  else {
    let i = 0;
    while (i <= v.length) {
      let end = v.indexOf(',', i);
      if (end === -1) end = v.length;
      let s = i;
      let e = end;
      while (s < e && (v.charCodeAt(s) === SP || v.charCodeAt(s) === HTAB)) s++;
      while (e > s && (v.charCodeAt(e - 1) === SP || v.charCodeAt(e - 1) === HTAB)) e--;
      // Empty list elements are allowed (RFC 9110 §5.6.1); anything else must be a token.
      for (let k = s; k < e; k++) if (TOKEN[v.charCodeAt(k)] === 0) bad('invalid-connection');
      const opt = v.slice(s, e);
      if (opt === 'close') facts.connClose = true;
      else if (opt === 'keep-alive') facts.connKeepAlive = true;
      else if (opt === 'upgrade') facts.connUpgrade = true;
      i = end + 1;
    }
  }
}

/** Names that must never arrive in a trailer section: they would change framing or routing after the fact. */
export function checkTrailerName(name: string): void {
  if (name === 'content-length' || name === 'transfer-encoding' || name === 'host') {
    throw new H1ParseError(400, 'forbidden-trailer', name);
  }
}
