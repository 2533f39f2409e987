// What a head's fields mean for framing and the connection: Content-Length, Transfer-Encoding, Host, Connection, Upgrade, Expect.
import { HTAB, HOST, SP, TOKEN } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';

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
  /** Index just past the head's final CRLF, and the head's size: set by the head parsers. */
  headEnd = 0;
  headBytes = 0;

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
