// google.protobuf.Duration: accepted as proto-JSON ("1.5s") or {seconds, nanos}, kept in the canonical
// proto-JSON string form (what Envoy's config_dump prints) and turned into milliseconds by compilers.

const DURATION_RE = /^(\d+)(?:\.(\d{1,9}))?s$/;

/** proto3's limit: ±10 000 years. */
const MAX_SECONDS = 315_576_000_000;

export type DurationParse =
  | { readonly ok: true; readonly seconds: number; readonly nanos: number }
  | { readonly ok: false; readonly reason: string };

function isInt(v: unknown): v is number | string {
  return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
}

/** Parses either accepted spelling. Negative durations are refused: no Weft field gives them meaning. */
export function parseDuration(input: unknown): DurationParse {
  let seconds: number;
  let nanos: number;
  if (typeof input === 'string') {
    if (input.startsWith('-')) return { ok: false, reason: 'a duration must not be negative' };
    const m = DURATION_RE.exec(input);
    if (!m) return { ok: false, reason: `'${input}' is not a duration; write seconds with an 's' suffix, e.g. "5s" or "0.250s"` };
    seconds = Number(m[1]);
    nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k !== 'seconds' && k !== 'nanos') return { ok: false, reason: `unknown field '${k}' in a duration (supported: seconds, nanos)` };
    }
    const s = o.seconds ?? 0;
    const n = o.nanos ?? 0;
    if (!isInt(s) || !isInt(n)) return { ok: false, reason: 'duration seconds and nanos must be integers' };
    seconds = Number(s);
    nanos = Number(n);
    if (seconds < 0 || nanos < 0) return { ok: false, reason: 'a duration must not be negative' };
    if (nanos > 999_999_999) return { ok: false, reason: 'duration nanos must be below 1000000000' };
  } else {
    return { ok: false, reason: 'expected a duration such as "5s" or {seconds: 5}' };
  }
  if (seconds > MAX_SECONDS) return { ok: false, reason: `a duration may not exceed ${MAX_SECONDS}s` };
  return { ok: true, seconds, nanos };
}

/** Canonical proto-JSON: 0, 3, 6 or 9 fractional digits. */
export function formatDuration(seconds: number, nanos: number): string {
  if (nanos === 0) return `${seconds}s`;
  let frac = String(nanos).padStart(9, '0');
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${seconds}.${frac}s`;
}

/** Milliseconds of a duration (fractions kept: timers accept them). */
export function durationMs(duration: string): number {
  const p = parseDuration(duration);
  if (!p.ok) throw new TypeError(`durationMs: ${p.reason}`);
  return p.seconds * 1000 + p.nanos / 1e6;
}
