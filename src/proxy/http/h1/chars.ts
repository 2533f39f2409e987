// Byte-class tables for HTTP/1.1 (RFC 9110 §5.6, RFC 9112): one array lookup per byte on the hot path.

/** tchar classes: 0 = not a tchar, 1 = tchar, 2 = upper-case letter (name needs lower-casing), 4 = `_`. */
export const TOKEN = new Uint8Array(256);
export const TOKEN_UPPER = 2;
export const TOKEN_UNDERSCORE = 4;

/** 1 for bytes allowed inside a field value: HTAB, SP, VCHAR, obs-text. CR, LF, NUL, other CTLs and DEL are 0. */
export const FIELD_VALUE = new Uint8Array(256);

/** 1 for bytes allowed in a request-target: visible ASCII except `#` (a fragment is never part of a request). */
export const TARGET = new Uint8Array(256);

/** 1 for bytes allowed in a Host value: the uri-host and port alphabet (RFC 3986 reg-name, IP-literal, `:` port). */
export const HOST = new Uint8Array(256);

/** Hex digit value + 1 (0 = not a hex digit), so the table doubles as a class test. */
export const HEX = new Uint8Array(256);

/** 1 for qdtext in quoted-string (RFC 9110 §5.6.4); `"` and `\` are handled by the caller. */
export const QDTEXT = new Uint8Array(256);

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;

for (let c = 0; c < 256; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const digit = c >= 0x30 && c <= 0x39;
  if (alpha || digit || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))) {
    TOKEN[c] = c === 0x5f ? TOKEN_UNDERSCORE : c >= 0x41 && c <= 0x5a ? TOKEN_UPPER : 1;
  }
  FIELD_VALUE[c] = c === HTAB || (c >= 0x20 && c !== 0x7f) ? 1 : 0;
  TARGET[c] = c > 0x20 && c < 0x7f && c !== 0x23 ? 1 : 0;
  HOST[c] = alpha || digit || "-._~!$&'()*+,;=:[]%".includes(String.fromCharCode(c)) ? 1 : 0;
  if (digit) HEX[c] = c - 0x30 + 1;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 11;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 11;
  QDTEXT[c] = c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80 ? 1 : 0;
}

/** True when `s` (already OWS-trimmed) is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/**
 * Parses a quoted-string starting at `s[i] === '"'`; returns the index after the closing quote, or -1.
 * Shared by chunk extensions and transfer-coding parameters.
 */
export function skipQuoted(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const n = s.charCodeAt(++i);
      if (!(n === HTAB || (n >= 0x20 && n !== 0x7f && n <= 0xff))) return -1;
    } else if (c > 0xff || QDTEXT[c] === 0) return -1;
  }
  return -1;
}
