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
  return plain(r.method) && plain(r.path) && plain(r.authority) && plain(r.protocol) && plain(r.response_flags) &&
    plain(r.weft_error) && plain(r.upstream_host) && plain(r.upstream_cluster) && plain(r.route_name) &&
    plain(r.downstream_remote_address) && plain(r.downstream_peer_uri_san) && plain(r.x_forwarded_for) && plain(r.user_agent) && plain(r.request_id) && plain(r.rbac_policy)
    ? plainLine(r)
    : escapedLine(r);
}

/**
 * True if JSON needs no escape in `s`: no `"`, `\`, control character or surrogate (a lone one
 * must be escaped; pairs are rare enough to take the slow path too). A scan per field is
 * cheaper than one regex over the fields joined, which had to flatten a concatenation first.
 */
function plain(s: string): boolean {
  if (typeof s !== 'string') return false; // the escaping path quotes String(s)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

// plainLine and escapedLine must list the same keys in the same order; the tests compare both
// against JSON.stringify of the record.
function plainLine(r: AccessLogRecord): string {
  return (
    `{"start_time":${isoTime(r.start_time)},"method":"${r.method}","path":"${r.path}","authority":"${r.authority}"` +
    `,"protocol":"${r.protocol}","response_code":${num(r.response_code)},"response_flags":"${r.response_flags}"` +
    `,"weft_error":"${r.weft_error}","bytes_received":${num(r.bytes_received)},"bytes_sent":${num(r.bytes_sent)}` +
    `,"duration_ms":${millis(r.duration_ms)},"upstream_service_time_ms":${millis(r.upstream_service_time_ms)}` +
    `,"upstream_host":"${r.upstream_host}","upstream_cluster":"${r.upstream_cluster}","route_name":"${r.route_name}"` +
    `,"downstream_remote_address":"${r.downstream_remote_address}","downstream_peer_uri_san":"${r.downstream_peer_uri_san}"` +
    `,"x_forwarded_for":"${r.x_forwarded_for}"` +
    `,"user_agent":"${r.user_agent}","request_id":"${r.request_id}","attempts":${num(r.attempts)},"rbac_policy":"${r.rbac_policy}"}\n`
  );
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
