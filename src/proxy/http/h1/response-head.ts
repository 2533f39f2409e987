// Response head (RFC 9112 §4, §6.3): status-line, fields and the framing a response to a given method has.
import { CR, FIELD_VALUE, LF, SP } from './chars.ts';
import type { HeaderList } from '../headers.ts';
import { bad } from './errors.ts';
import type { FieldFacts } from './field-facts.ts';
import { buildFields, INCOMPLETE, scanFields } from './field-lines.ts';
import { checkTransferEncoding } from './framing.ts';
import { parseVersion } from './request-head.ts';
import { type BodyFraming, FRAMING_CHUNKED, FRAMING_CLOSE, FRAMING_NONE, type H1Limits, type ResponseHead } from './types.ts';

/**
 * Parses the head of a response to `method` starting at `start` in `buf[.., len)`; null when the bytes end first.
 * Errors carry request-side statuses; the parser maps every response error to 502.
 */
export function parseResponseHead(buf: Buffer, start: number, len: number, limits: H1Limits, facts: FieldFacts, method: string): ResponseHead | null {
  // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]; "HTTP/1.1 200\r\n" (no SP) is accepted as real servers send it.
  if (start + 14 > len) return null; // "HTTP/1.x NNN" CRLF
  const versionMinor = parseVersion(buf, start);
  if (buf[start + 8] !== SP) bad('invalid-status-line');
  let i = start + 9;
  const d0 = buf[i] - 0x30;
  const d1 = buf[i + 1] - 0x30;
  const d2 = buf[i + 2] - 0x30;
  if (!(d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) bad('invalid-status');
  const status = d0 * 100 + d1 * 10 + d2;
  i += 3;
  let reasonStart = i;
  if (buf[i] === SP) {
    reasonStart = ++i;
    while (FIELD_VALUE[buf[i]] === 1) i++;
  }
  const reasonEnd = i;
  if (buf[i] !== CR) {
    if (i >= len) return null;
    bad(buf[i] === LF ? 'bare-lf' : buf[i] === 0 ? 'nul-in-header' : 'invalid-status-line');
  }
  if (buf[i + 1] !== LF) {
    if (i + 1 >= len) return null;
    bad('bare-cr');
  }
  facts.reset();
  const n = scanFields(buf, i + 2, len, facts, limits.maxHeaderCount, start + limits.maxHeaderBytes);
  if (n === INCOMPLETE) return null;
  facts.count = n;
  const end = facts.headEnd;
  facts.headBytes = end - start;
  const str = buf.toString('latin1', start, end);
  const reason = str.slice(reasonStart - start, reasonEnd - start);
  const headers: HeaderList = [];
  buildFields(buf, str, start, n, headers, facts);

  // Framing fields are checked even when the status or method means there is no body: a response that
  // could be read two ways is refused whether or not this hop would read it.
  let framing: BodyFraming = FRAMING_CLOSE;
  const te = facts.transferEncoding;
  if (te !== null) {
    if (facts.contentLength !== -1) bad('both-content-length-and-transfer-encoding');
    if (versionMinor === 0) bad('transfer-encoding-in-http10');
    checkTransferEncoding(te);
    framing = FRAMING_CHUNKED;
  } else if (facts.contentLength !== -1) {
    framing = { kind: 'length', length: facts.contentLength };
  }

  let upgrade: string | null = null;
  if (status === 101) {
    if (facts.upgrade === null) bad('upgrade-without-upgrade-header');
    upgrade = facts.upgrade;
  } else if (method === 'CONNECT' && status >= 200 && status < 300) {
    upgrade = 'connect';
  }
  if (upgrade !== null || status < 200 || status === 204 || status === 304 || method === 'HEAD') framing = FRAMING_NONE;

  return {
    status,
    reason,
    versionMinor,
    headers,
    framing,
    // A close-delimited body can only end with the connection.
    keepAlive: framing !== FRAMING_CLOSE && (versionMinor === 1 ? !facts.connClose : facts.connKeepAlive && !facts.connClose),
    upgrade,
  };
}
