// One access-log record as one JSON line, hand-formatted: fixed key order, no object walk.
// String fields are quoted as they are unless one needs escaping (then JSON.stringify does it);
// numbers are written directly, and the ISO timestamp is cached per second.

/** Envoy-style access-log record; the keys appear in the output in this order. */
export interface AccessLogRecord {
  /** Epoch ms; written as ISO-8601. */
  start_time: number;
  method: string;
  path: string;
  authority: string;
  /** 'HTTP/1.1' | 'HTTP/2' | 'TCP' */
  protocol: string;
  /** 0 when none was sent. */
  response_code: number;
  /** Envoy flags, comma-joined (NR, UF, UT, UC, URX, DC, UH, UO, RL, LR, DI, FI, UPE, RBAC); '-' when none. */
  response_flags: string;
  /** The x-weft-error value when the proxy generated the response; '' otherwise. */
  weft_error: string;
  bytes_received: number;
  bytes_sent: number;
  duration_ms: number;
  /** -1 when no upstream answered. */
  upstream_service_time_ms: number;
  upstream_host: string;
  upstream_cluster: string;
  route_name: string;
  downstream_remote_address: string;
  /** The client's SPIFFE ID over mTLS (Envoy's %DOWNSTREAM_PEER_URI_SAN%); '' for plaintext or no certificate. */
  downstream_peer_uri_san: string;
  x_forwarded_for: string;
  user_agent: string;
  request_id: string;
  /** Upstream attempts made (1 without retries). */
  attempts: number;
  /** The RBAC policy that denied the request, or the LOG policy it matched; '' when none. */
  rbac_policy: string;
}

export function formatAccessLogLine(r: AccessLogRecord): string {
  return plain(0, r.method) && plain(1, r.path) && plain(2, r.authority) && plain(3, r.protocol) && plain(4, r.response_flags) &&
    plain(5, r.weft_error) && plain(6, r.upstream_host) && plain(7, r.upstream_cluster) && plain(8, r.route_name) &&
    plain(9, r.downstream_remote_address) && plain(10, r.downstream_peer_uri_san) && plain(11, r.x_forwarded_for) &&
    plain(12, r.user_agent) && plain(13, r.request_id) && plain(14, r.rbac_policy)
    ? plainLine(r)
    : escapedLine(r);
}

/**
 * The last plain value seen in each field: most fields repeat from line to line (method, protocol,
 * flags, upstream host, cluster, route, the client's address on a keep-alive connection), and a
 * string equal to one already found plain is plain — one comparison instead of a scan.
 */
const lastPlain: string[] = new Array<string>(15).fill('');

/**
 * True if JSON needs no escape in `s`: no `"`, `\`, control character or surrogate (a lone one
 * must be escaped; pairs are rare enough to take the slow path too). One regex test per field:
 * cheaper than a charCodeAt loop (≈ 20 % of a line's formatting, more on the sliced strings
 * header values are) and than one regex over the fields joined, which had to flatten them first.
 */
function plain(field: number, s: string): boolean {
  if (s === lastPlain[field]) return true;
  if (typeof s !== 'string' || NEEDS_ESCAPE.test(s)) return false; // non-strings: the escaping path quotes String(s)
  lastPlain[field] = s;
  return true;
}

const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;

// plainLine and escapedLine must list the same keys in the same order; the tests compare both
// against JSON.stringify of the record.
function plainLine(r: AccessLogRecord): string {
  return (
    `{"start_time":${isoTime(r.start_time)},"method":"${r.method}","path":"${r.path}","authority":"${r.authority}` +
    `${responseRun.text(r.protocol, r.response_code, r.response_flags, r.weft_error)}${num(r.bytes_received)}` +
    `,"bytes_sent":${num(r.bytes_sent)}` +
    `,"duration_ms":${millis(r.duration_ms)},"upstream_service_time_ms":${millis(r.upstream_service_time_ms)}` +
    `${upstreamRun.text(r.upstream_host, r.upstream_cluster, r.route_name, r.downstream_remote_address)}${r.downstream_peer_uri_san}` +
    `","x_forwarded_for":"${r.x_forwarded_for}"` +
    `,"user_agent":"${r.user_agent}","request_id":"${r.request_id}"` +
    `,"attempts":${num(r.attempts)},"rbac_policy":"${r.rbac_policy}"}\n`
  );
}

// Two runs of fields that mostly repeat from line to line are kept as one flat string each, rebuilt
// when a value changes. Writing a line flattens its concatenation, at a cost per piece: a cached
// run is one piece instead of eight (≈ −30 % of formatting and writing a line). Only plain values
// reach here (formatAccessLogLine checked them).

/** Four fields' text, kept until one of the values changes. */
class Run<A, B, C, D> {
  #a: A | undefined;
  #b: B | undefined;
  #c: C | undefined;
  #d: D | undefined;
  #text = '';
  readonly #make: (a: A, b: B, c: C, d: D) => string;

  constructor(make: (a: A, b: B, c: C, d: D) => string) {
    this.#make = make;
  }

  text(a: A, b: B, c: C, d: D): string {
    if (a !== this.#a || b !== this.#b || c !== this.#c || d !== this.#d) {
      this.#a = a;
      this.#b = b;
      this.#c = c;
      this.#d = d;
      this.#text = flat(this.#make(a, b, c, d));
    }
    return this.#text;
  }
}

/** `","protocol":"…","response_code":…,"response_flags":"…","weft_error":"…","bytes_received":` */
const responseRun = new Run((protocol: string, code: number, flags: string, error: string) =>
  `","protocol":"${protocol}","response_code":${num(code)},"response_flags":"${flags}","weft_error":"${error}","bytes_received":`);

/** `,"upstream_host":"…","upstream_cluster":"…","route_name":"…","downstream_remote_address":"…","downstream_peer_uri_san":"` */
const upstreamRun = new Run((host: string, cluster: string, route: string, remote: string) =>
  `,"upstream_host":"${host}","upstream_cluster":"${cluster}","route_name":"${route}","downstream_remote_address":"${remote}","downstream_peer_uri_san":"`);

/** The same string, flattened in place (V8 flattens a string it searches), so later copies take it as one piece. */
function flat(s: string): string {
  s.indexOf('\0');
  return s;
}

function escapedLine(r: AccessLogRecord): string {
  const q = (s: string): string => JSON.stringify(String(s)); // String(): undefined must still quote
  return (
    `{"start_time":${isoTime(r.start_time)},"method":${q(r.method)},"path":${q(r.path)},"authority":${q(r.authority)}` +
    `,"protocol":${q(r.protocol)},"response_code":${num(r.response_code)},"response_flags":${q(r.response_flags)}` +
    `,"weft_error":${q(r.weft_error)},"bytes_received":${num(r.bytes_received)},"bytes_sent":${num(r.bytes_sent)}` +
    `,"duration_ms":${millis(r.duration_ms)},"upstream_service_time_ms":${millis(r.upstream_service_time_ms)}` +
    `,"upstream_host":${q(r.upstream_host)},"upstream_cluster":${q(r.upstream_cluster)},"route_name":${q(r.route_name)}` +
    `,"downstream_remote_address":${q(r.downstream_remote_address)},"downstream_peer_uri_san":${q(r.downstream_peer_uri_san)}` +
    `,"x_forwarded_for":${q(r.x_forwarded_for)}` +
    `,"user_agent":${q(r.user_agent)},"request_id":${q(r.request_id)},"attempts":${num(r.attempts)},"rbac_policy":${q(r.rbac_policy)}}\n`
  );
}

// NaN and ±Infinity have no JSON spelling.
function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

/**
 * Durations are rounded to microseconds (k / 1000): such a value is written from the integer k,
 * which is several times cheaper than V8's shortest-round-trip conversion of a double and gives
 * the same digits (k / 1000 is the double nearest that decimal, so it is its shortest spelling).
 */
function millis(n: number): string {
  const k = Math.round(n * 1000);
  if (!(k / 1000 === n && k >= 0 && k < 1e15)) return num(n);
  const whole = Math.floor(k / 1000);
  const frac = k - whole * 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

// Years 0000–9999: the range where toISOString has the fixed 24-character shape cached below.
const MAX_FIXED_ISO_MS = 253402300800000;
let cachedSecond = Number.NaN;
let cachedPrefix = ''; // '"YYYY-MM-DDTHH:MM:SS.'

/** Quoted ISO-8601 with milliseconds; most lines share their second with the previous one. */
function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FIXED_ISO_MS)) {
    // Date's own range is ±8.64e15 ms; past it (or NaN) toISOString throws.
    return Math.abs(ms) <= 8.64e15 ? `"${new Date(ms).toISOString()}"` : 'null';
  }
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const milli = Math.floor(ms) - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z"`;
}
