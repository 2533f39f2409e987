// Request head (RFC 9112 §3): request-line, fields and the framing decision, straight from the received bytes.
import type { HeaderList } from '../headers.ts';
import { CR, HOST, LF, SP, TARGET, TOKEN } from './chars.ts';
import { bad, H1ParseError } from './errors.ts';
import type { FieldFacts } from './field-facts.ts';
import { buildFields, INCOMPLETE, scanFields } from './field-lines.ts';
import { checkTransferEncoding } from './framing.ts';
import { type BodyFraming, FRAMING_CHUNKED, FRAMING_NONE, type H1Limits, type RequestHead } from './types.ts';

/**
 * Parses a request head starting at `start` in `buf[.., len)`: validates while scanning, then decodes the head once
 * and cuts every string from it. Returns null when the bytes end before the head does; throws H1ParseError for
 * anything that is not strictly valid. facts.headEnd is then the index just past the head.
 */
export function parseRequestHead(buf: Buffer, start: number, len: number, limits: H1Limits, facts: FieldFacts): RequestHead | null {
  let s = start;
  if (buf[s] === CR) {
    // RFC 9112 §2.2: ignore one empty line before a request-line (some clients send CRLF after a body).
    if (s + 1 >= len) return null;
    if (buf[s + 1] !== LF) bad('bare-cr');
    s += 2;
    if (buf[s] === CR) bad('empty-line-before-request');
  }
  let i = s;
  let c = buf[i];
  while (TOKEN[c] > 0) c = buf[++i];
  if (c !== SP || i === s) {
    if (i >= len) return null;
    bad(c === LF ? 'bare-lf' : 'invalid-method');
  }
  const methodEnd = i;
  const targetStart = ++i;
  c = buf[i];
  while (TARGET[c] === 1) c = buf[++i];
  if (i - targetStart > limits.maxUriBytes) throw new H1ParseError(414, 'uri-too-long');
  if (c !== SP || i === targetStart) {
    if (i >= len) return null;
    bad(c === LF ? 'bare-lf' : 'invalid-target');
  }
  const targetEnd = i++;
  if (i + 10 > len) return null; // "HTTP/1.x" CRLF
  const versionMinor = parseVersion(buf, i);
  i += 8;
  if (buf[i] !== CR) bad(buf[i] === LF ? 'bare-lf' : 'invalid-version');
  if (buf[i + 1] !== LF) bad('bare-cr');
  facts.reset();
  const n = scanFields(buf, i + 2, len, facts, limits.maxHeaderCount, s + limits.maxHeaderBytes);
  if (n === INCOMPLETE) return null;
  facts.count = n;
  const end = facts.headEnd;
  facts.headBytes = end - s;

  const str = buf.toString('latin1', s, end);
  const method = knownMethod(buf, s, methodEnd) ?? str.slice(0, methodEnd - s);
  const target = str.slice(targetStart - s, targetEnd - s);
  const headers: HeaderList = [];
  buildFields(buf, str, s, n, headers, facts);

  const connect = method === 'CONNECT';
  checkTarget(method, target, connect);
  if (facts.hostCount === 0 && versionMinor === 1) bad('missing-host');

  let framing: BodyFraming = FRAMING_NONE;
  const te = facts.transferEncoding;
  if (te !== null) {
    // Both present is the classic CL.TE / TE.CL desync: refuse instead of choosing (RFC 9112 §6.1 allows either).
    if (facts.contentLength !== -1) bad('both-content-length-and-transfer-encoding');
    if (versionMinor === 0) bad('transfer-encoding-in-http10');
    checkTransferEncoding(te);
    if (connect) bad('connect-with-body');
    framing = FRAMING_CHUNKED;
  } else if (facts.contentLength !== -1) {
    if (connect && facts.contentLength !== 0) bad('connect-with-body');
    if (!connect) framing = { kind: 'length', length: facts.contentLength };
  }
  if (facts.expectUnsupported) throw new H1ParseError(417, 'unsupported-expectation');

  return {
    method,
    target,
    versionMinor,
    headers,
    host: facts.host,
    framing,
    keepAlive: versionMinor === 1 ? !facts.connClose : facts.connKeepAlive && !facts.connClose,
    // Upgrade and 100-continue are HTTP/1.1 features; an HTTP/1.0 sender's use of them is ignored (RFC 9110 §7.8, §10.1.1).
    upgrade: connect ? 'connect' : versionMinor === 1 && facts.connUpgrade ? facts.upgrade : null,
    expectContinue: versionMinor === 1 && facts.expectContinue,
  };
}

/**
 * The shared constant for a common method in `buf[s, e)` (methods are case-sensitive), else undefined. A fresh
 * slice would be hashed again by every Set or Map it meets on the way (idempotency, metrics, routing).
 */
function knownMethod(buf: Buffer, s: number, e: number): string | undefined {
  const c = buf[s];
  switch (e - s) {
    case 3:
      if (c === 0x47 && buf[s + 1] === 0x45 && buf[s + 2] === 0x54) return 'GET';
      if (c === 0x50 && buf[s + 1] === 0x55 && buf[s + 2] === 0x54) return 'PUT';
      return undefined;
    case 4:
      if (c === 0x50 && buf[s + 1] === 0x4f && buf[s + 2] === 0x53 && buf[s + 3] === 0x54) return 'POST';
      if (c === 0x48 && buf[s + 1] === 0x45 && buf[s + 2] === 0x41 && buf[s + 3] === 0x44) return 'HEAD';
      return undefined;
    default:
      return undefined;
  }
}

/** `HTTP/1.0` or `HTTP/1.1` at `i` (8 bytes); another well-formed version is a 505, anything else a 400. */
export function parseVersion(buf: Buffer, i: number): 0 | 1 {
  if (buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f || buf[i + 6] !== 0x2e) bad('invalid-version');
  const major = buf[i + 5] - 0x30;
  const minor = buf[i + 7] - 0x30;
  if (!(major >= 0 && major <= 9 && minor >= 0 && minor <= 9)) bad('invalid-version');
  if (major !== 1 || minor > 1) throw new H1ParseError(505, 'http-version-not-supported');
  return minor as 0 | 1;
}

/** The four request-target forms (RFC 9112 §3.2), each allowed only where the method permits it. */
function checkTarget(method: string, target: string, connect: boolean): void {
  const c0 = target.charCodeAt(0);
  if (connect) {
    if (!isAuthority(target)) bad('invalid-connect-target');
  } else if (c0 === 0x2f /* / */) {
    return;
  } else if (c0 === 0x2a /* * */ && target.length === 1) {
    if (method !== 'OPTIONS') bad('invalid-asterisk-target');
  } else if (!isAbsoluteForm(target)) {
    bad('invalid-target');
  }
}

/** authority-form: uri-host ":" port, no userinfo, path or query. */
function isAuthority(t: string): boolean {
  const colon = t.lastIndexOf(':');
  if (colon <= 0 || colon === t.length - 1 || t.length - colon - 1 > 5) return false;
  for (let i = colon + 1; i < t.length; i++) {
    const d = t.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  for (let i = 0; i < colon; i++) {
    const c = t.charCodeAt(i);
    if (HOST[c] !== 1 || c === 0x25 /* % */) return false;
  }
  return true;
}

/** absolute-form as proxies receive it: scheme "://" then anything the target alphabet allows. */
function isAbsoluteForm(t: string): boolean {
  const sep = t.indexOf('://');
  if (sep <= 0) return false;
  for (let i = 0; i < sep; i++) {
    const c = t.charCodeAt(i) | 0x20;
    const alpha = c >= 0x61 && c <= 0x7a;
    if (i === 0 ? !alpha : !(alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return sep + 3 < t.length;
}
