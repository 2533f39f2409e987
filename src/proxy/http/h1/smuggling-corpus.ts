// Request-smuggling seed vectors (CL.TE, TE.CL, TE.TE, CL.0, chunk-size tricks, RFC 9112 negatives) with the expected outcome.
// Reused by the parser's tests and by integration tests that replay them through the real proxy, each followed by a canary.

export interface SmugglingVector {
  readonly name: string;
  readonly bytes: Buffer;
  /** 200: accepted as exactly one request (whatever follows is the next request). Otherwise the status answered before closing. */
  readonly expect: number;
  /** Refused vectors: the parser's reason code. */
  readonly reason?: string;
  /**
   * Refused vectors: 'head' when the head itself is refused (nothing may reach the upstream); 'body' when only the body
   * is (the head may already be on its way upstream, but no request hidden in the body may ever be).
   */
  readonly stage?: 'head' | 'body';
  /** Accepted vectors: the de-chunked body of the one request. */
  readonly body?: string;
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
const POST = 'POST / HTTP/1.1\r\nHost: a\r\n';

function refused(name: string, text: string, expect: number, reason: string, stage: 'head' | 'body' = 'head'): SmugglingVector {
  return { name, bytes: Buffer.from(text, 'latin1'), expect, reason, stage };
}

function accepted(name: string, text: string, body: string): SmugglingVector {
  return { name, bytes: Buffer.from(text, 'latin1'), expect: 200, body };
}

/** A POST with the given framing fields and a body that hides a second request. */
function post(fields: string, body: string): string {
  return `${POST}${fields}\r\n${body}`;
}

const CHUNKED_SMUGGLE = `0\r\n\r\n${SMUGGLED}`;
const TE = 'Transfer-Encoding';

export const SMUGGLING_CORPUS: readonly SmugglingVector[] = [
  // CL.TE and TE.CL: both framings present, in either order.
  refused('CL.TE', post(`Content-Length: 6\r\n${TE}: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'both-content-length-and-transfer-encoding'),
  refused('TE.CL', post(`${TE}: chunked\r\nContent-Length: 4\r\n`, `5c\r\n${SMUGGLED}\r\n0\r\n\r\n`), 400, 'both-content-length-and-transfer-encoding'),
  refused('CL.TE with CL: 0', post(`Content-Length: 0\r\n${TE}: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'both-content-length-and-transfer-encoding'),
  refused('CL.TE in HTTP/1.0', `POST / HTTP/1.0\r\nContent-Length: 6\r\n${TE}: chunked\r\n\r\n${CHUNKED_SMUGGLE}`, 400, 'both-content-length-and-transfer-encoding'),

  // TE.TE: Transfer-Encoding obfuscated so that one of two parsers misses it.
  refused('TE xchunked + CL', post(`Content-Length: 4\r\n${TE}: xchunked\r\n`, CHUNKED_SMUGGLE), 400, 'both-content-length-and-transfer-encoding'),
  refused('TE xchunked', post(`${TE}: xchunked\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-transfer-encoding'),
  refused('TE " chunked" + CL', post(`Content-Length: 4\r\n${TE}:  chunked\r\n`, CHUNKED_SMUGGLE), 400, 'both-content-length-and-transfer-encoding'),
  refused('TE "chunked\\t" + CL', post(`Content-Length: 4\r\n${TE}: chunked\t\r\n`, CHUNKED_SMUGGLE), 400, 'both-content-length-and-transfer-encoding'),
  refused('TE \\x0bchunked', post(`${TE}: \x0bchunked\r\n`, CHUNKED_SMUGGLE), 400, 'ctl-in-header'),
  refused('TE chunked\\x0c', post(`${TE}: chunked\x0c\r\n`, CHUNKED_SMUGGLE), 400, 'ctl-in-header'),
  refused('TE with NUL', post(`${TE}: chu\x00nked\r\n`, CHUNKED_SMUGGLE), 400, 'nul-in-header'),
  refused('TE duplicated', post(`${TE}: chunked\r\n${TE}: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'duplicate-transfer-encoding'),
  refused('TE duplicated, second is identity', post(`${TE}: chunked\r\nTransfer-encoding: identity\r\n`, CHUNKED_SMUGGLE), 400, 'duplicate-transfer-encoding'),
  refused('TE obs-fold', post(`${TE}:\r\n chunked\r\n`, CHUNKED_SMUGGLE), 400, 'obs-fold'),
  refused('TE obs-fold with HTAB', post(`${TE}: x\r\n\tchunked\r\n`, CHUNKED_SMUGGLE), 400, 'obs-fold'),
  refused('TE bare-LF fold', post(`${TE}:\n chunked\r\n`, CHUNKED_SMUGGLE), 400, 'bare-lf'),
  refused('TE space before colon', post(`${TE} : chunked\r\n`, CHUNKED_SMUGGLE), 400, 'space-before-colon'),
  refused('TE underscore name', post(`Transfer_Encoding: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'underscore-in-header-name'),
  refused('TE quoted', post(`${TE}: "chunked"\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-transfer-encoding'),
  refused('TE chunked;x', post(`${TE}: chunked;x\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-transfer-encoding'),
  refused('TE chunked, (empty element)', post(`${TE}: chunked,\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-transfer-encoding'),
  refused('TE chunked\\r\\r', post(`${TE}: chunked\r\r\n`, CHUNKED_SMUGGLE), 400, 'bare-cr'),
  refused('TE cow', post(`${TE}: cow\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-transfer-encoding'),
  refused('TE identity', post(`${TE}: identity\r\n`, CHUNKED_SMUGGLE), 501, 'unsupported-transfer-encoding'),
  refused('TE gzip, chunked', post(`${TE}: gzip, chunked\r\n`, CHUNKED_SMUGGLE), 501, 'unsupported-transfer-encoding'),
  refused('TE chunked, chunked', post(`${TE}: chunked, chunked\r\n`, CHUNKED_SMUGGLE), 501, 'unsupported-transfer-encoding'),
  refused('TE chunked, identity', post(`${TE}: chunked, identity\r\n`, CHUNKED_SMUGGLE), 501, 'unsupported-transfer-encoding'),
  refused('TE in HTTP/1.0', `POST / HTTP/1.0\r\n${TE}: chunked\r\n\r\n${CHUNKED_SMUGGLE}`, 400, 'transfer-encoding-in-http10'),
  refused('TE name with NUL', post(`${TE}\x00: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-header-name'),
  refused('TE name with trailing non-token', post(`${TE}\x0b: chunked\r\n`, CHUNKED_SMUGGLE), 400, 'invalid-header-name'),
  accepted('TE chunked with OWS (unambiguous)', post(`${TE}: \t chunked \t\r\n`, `5\r\nhello\r\n0\r\n\r\n`), 'hello'),
  accepted('TE ChUnKeD (case-insensitive)', post(`${TE}: ChUnKeD\r\n`, `5\r\nhello\r\n0\r\n\r\n`), 'hello'),

  // Content-Length variants.
  refused('CL +1', post('Content-Length: +1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL -1', post('Content-Length: -1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 1,1', post('Content-Length: 1,1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 1, 1', post('Content-Length: 1, 1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 1 1', post('Content-Length: 1 1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 0x1', post('Content-Length: 0x1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 1e1', post('Content-Length: 1e1\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL 1.0', post('Content-Length: 1.0\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL empty', post('Content-Length:\r\n', SMUGGLED), 400, 'invalid-content-length'),
  refused('CL above 2^53', post('Content-Length: 99999999999999999999\r\n', 'a'), 400, 'invalid-content-length'),
  refused('CL with VT', post('Content-Length: \x0b1\r\n', 'a'), 400, 'ctl-in-header'),
  refused('CL duplicated, equal', post('Content-Length: 1\r\nContent-Length: 1\r\n', 'a'), 400, 'duplicate-content-length'),
  refused('CL duplicated, different', post('Content-Length: 0\r\nContent-Length: 36\r\n', SMUGGLED), 400, 'duplicate-content-length'),
  refused('CL space before colon', post('Content-Length : 36\r\n', SMUGGLED), 400, 'space-before-colon'),
  refused('CL obs-fold', post('Content-Length:\r\n 36\r\n', SMUGGLED), 400, 'obs-fold'),
  refused('CL folded onto the request line', `POST / HTTP/1.1\r\n Content-Length: 36\r\nHost: a\r\n\r\n${SMUGGLED}`, 400, 'obs-fold'),
  refused('CL underscore name', post('Content_Length: 36\r\n', SMUGGLED), 400, 'underscore-in-header-name'),
  accepted('CL.0: GET with a body that looks like a request', `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, SMUGGLED),
  accepted('CL with leading zeros', post('Content-Length: 0005\r\n', 'hello'), 'hello'),

  // Chunked bodies: sizes, extensions, CRLF after data, trailers.
  refused('chunk size 0x5', post(`${TE}: chunked\r\n`, '0x5\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size +5', post(`${TE}: chunked\r\n`, '+5\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size -5', post(`${TE}: chunked\r\n`, '-5\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size with leading space', post(`${TE}: chunked\r\n`, ' 5\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size with trailing space', post(`${TE}: chunked\r\n`, '5 \r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size with BWS before extension', post(`${TE}: chunked\r\n`, '5 ;a=b\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size 17 hex digits', post(`${TE}: chunked\r\n`, '00000000000000005\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size overflow', post(`${TE}: chunked\r\n`, 'ffffffffffffffff\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size empty', post(`${TE}: chunked\r\n`, '\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk size ended by bare LF', post(`${TE}: chunked\r\n`, '5\nhello\r\n0\r\n\r\n'), 400, 'bare-lf', 'body'),
  refused('chunk size ended by bare CR', post(`${TE}: chunked\r\n`, '5\rhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-size', 'body'),
  refused('chunk extension without name', post(`${TE}: chunked\r\n`, '5;\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-extension', 'body'),
  refused('chunk extension with empty value', post(`${TE}: chunked\r\n`, '5;a=\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-extension', 'body'),
  refused('chunk extension with unterminated quote', post(`${TE}: chunked\r\n`, '5;a="b\r\nhello\r\n0\r\n\r\n'), 400, 'invalid-chunk-extension', 'body'),
  refused('chunk extension hiding a bare LF', post(`${TE}: chunked\r\n`, `5;a\n${SMUGGLED}`), 400, 'bare-lf', 'body'),
  refused('chunk extension flood', post(`${TE}: chunked\r\n`, `1;${'a'.repeat(17000)}\r\nx\r\n0\r\n\r\n`), 400, 'chunk-extensions-too-large', 'body'),
  refused('chunk data longer than its size', post(`${TE}: chunked\r\n`, `3\r\nhello\r\n0\r\n\r\n`), 400, 'invalid-chunk-end', 'body'),
  refused('chunk data ended by bare CR', post(`${TE}: chunked\r\n`, `5\r\nhello\r0\r\n\r\n`), 400, 'invalid-chunk-end', 'body'),
  refused('chunk data ended by bare LF', post(`${TE}: chunked\r\n`, `5\r\nhello\n0\r\n\r\n`), 400, 'invalid-chunk-end', 'body'),
  refused('chunk data without CRLF (TE.0 style)', post(`${TE}: chunked\r\n`, `5\r\nhello0\r\n\r\n`), 400, 'invalid-chunk-end', 'body'),
  refused('last chunk without final CRLF, request follows', post(`${TE}: chunked\r\n`, `0\r\n${SMUGGLED}`), 400, 'space-before-colon', 'body'),
  refused('trailer with obs-fold', post(`${TE}: chunked\r\n`, `0\r\nX-T: 1\r\n 2\r\n\r\n`), 400, 'obs-fold', 'body'),
  refused('header line without colon', `GET / HTTP/1.1\r\nHost: a\r\nX-Smuggle\r\n\r\n`, 400, 'missing-colon'),
  refused('trailer Content-Length', post(`${TE}: chunked\r\n`, `0\r\nContent-Length: 36\r\n\r\n${SMUGGLED}`), 400, 'forbidden-trailer', 'body'),
  refused('trailer Transfer-Encoding', post(`${TE}: chunked\r\n`, `0\r\n${TE}: chunked\r\n\r\n`), 400, 'forbidden-trailer', 'body'),
  refused('trailer with bare LF', post(`${TE}: chunked\r\n`, `0\r\nX-T: 1\n\r\n`), 400, 'bare-lf', 'body'),
  accepted('chunk extensions, well-formed', post(`${TE}: chunked\r\n`, `5;a=b;c="d;e\\"f"\r\nhello\r\n0;z\r\n\r\n`), 'hello'),
  accepted('chunk size with leading zeros and upper-case hex', post(`${TE}: chunked\r\n`, `000A\r\n0123456789\r\n0\r\n\r\n`), '0123456789'),
  accepted('chunked body with a trailer', post(`${TE}: chunked\r\n`, `5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n`), 'hello'),
  accepted('chunked body that contains a request', post(`${TE}: chunked\r\n`, `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`), SMUGGLED),

  // Request line and head (RFC 9112 negative cases).
  refused('request line with double space', `GET  / HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'invalid-target'),
  refused('request line with HTAB separator', `GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'invalid-method'),
  refused('request line with trailing space', `GET / HTTP/1.1 \r\nHost: a\r\n\r\n`, 400, 'invalid-version'),
  refused('leading space before method', ` GET / HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'invalid-method'),
  refused('two empty lines before request', `\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'empty-line-before-request'),
  refused('request line ended by bare LF', `GET / HTTP/1.1\nHost: a\r\n\r\n`, 400, 'bare-lf'),
  refused('head of bare LFs', `GET / HTTP/1.1\nHost: a\nContent-Length: 36\n\n${SMUGGLED}`, 400, 'bare-lf'),
  refused('bare CR line ending', `GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n`, 400, 'bare-cr'),
  refused('HTTP/2 preface over HTTP/1', `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, 505, 'http-version-not-supported'),
  refused('HTTP/1.2', `GET / HTTP/1.2\r\nHost: a\r\n\r\n`, 505, 'http-version-not-supported'),
  refused('version HTTP/01.1', `GET / HTTP/01.1\r\nHost: a\r\n\r\n`, 400, 'invalid-version'),
  refused('missing Host', `GET / HTTP/1.1\r\n\r\n`, 400, 'missing-host'),
  refused('two Host fields', `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400, 'duplicate-host'),
  refused('Host with space inside', `GET / HTTP/1.1\r\nHost: a b\r\n\r\n`, 400, 'invalid-host'),
  refused('target with fragment', `GET /#${SMUGGLED.length} HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'invalid-target'),
  refused('target with raw non-ASCII', `GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n`, 400, 'invalid-target'),
  refused('header name with non-ASCII', `GET / HTTP/1.1\r\nHost: a\r\nX-\xe9: 1\r\n\r\n`, 400, 'invalid-header-name'),
  refused('header line without colon (space instead)', `GET / HTTP/1.1\r\nHost: a\r\nContent-Length 36\r\n\r\n${SMUGGLED}`, 400, 'space-before-colon'),
  refused('Expect other than 100-continue', `GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continuex\r\n\r\n`, 417, 'unsupported-expectation'),
  refused('101 header fields', `GET / HTTP/1.1\r\nHost: a\r\n${'X-A: 1\r\n'.repeat(100)}\r\n`, 431, 'too-many-headers'),
  refused('over 60 KiB of header fields', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(61 * 1024)}\r\n\r\n`, 431, 'headers-too-large'),
  refused('target over 8 KiB', `GET /${'a'.repeat(8 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414, 'uri-too-long'),
  accepted('one empty line before the request line', `\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n`, ''),
  accepted('absolute-form target', `GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n`, ''),
  accepted('obs-text in a value', `GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n`, ''),
];
