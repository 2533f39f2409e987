// Common header names as shared lower-case constants: matching bytes case-insensitively is cheaper than slicing and lower-casing.

const NAMES = [
  'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'access-control-allow-origin',
  'age', 'allow', 'authorization', 'b3', 'cache-control', 'connection', 'content-disposition', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-range', 'content-type', 'cookie', 'date', 'etag',
  'expect', 'expires', 'forwarded', 'grpc-encoding', 'grpc-message', 'grpc-status', 'grpc-timeout', 'host',
  'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'keep-alive', 'last-modified',
  'link', 'location', 'max-forwards', 'origin', 'pragma', 'proxy-authenticate', 'proxy-authorization',
  'proxy-connection', 'range', 'referer', 'retry-after', 'server', 'set-cookie', 'strict-transport-security', 'te',
  'traceparent', 'tracestate', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via',
  'www-authenticate', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid', 'x-content-type-options',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-frame-options', 'x-real-ip', 'x-request-id',
];

const MAX_LEN = 32;
// Buckets by length and first letter; each holds the names' bytes (all of [a-z0-9-], so `byte | 0x20` lower-cases a token byte exactly).
const BUCKETS: (readonly [Uint8Array, string][] | undefined)[] = new Array((MAX_LEN + 1) * 64);
for (const name of NAMES) {
  const key = name.length * 64 + (name.charCodeAt(0) & 63);
  const bucket = (BUCKETS[key] ??= []) as [Uint8Array, string][];
  bucket.push([Buffer.from(name, 'latin1'), name]);
}

/** The shared lower-case string for the token in `buf[s, e)` when it is a common header name (any case), else undefined. */
export function knownName(buf: Buffer, s: number, e: number): string | undefined {
  const len = e - s;
  if (len > MAX_LEN) return undefined;
  const bucket = BUCKETS[len * 64 + ((buf[s] | 0x20) & 63)];
  if (bucket === undefined) return undefined;
  outer: for (let k = 0; k < bucket.length; k++) {
    const bytes = bucket[k][0];
    for (let j = 0; j < len; j++) if ((buf[s + j] | 0x20) !== bytes[j]) continue outer;
    return bucket[k][1];
  }
  return undefined;
}
