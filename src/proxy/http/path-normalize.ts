// The HCM's path normalization (normalize_path, merge_slashes, path_with_escaped_slashes_action),
// applied once per request before routing and the HTTP filters, so the path RBAC checks is the path
// that is forwarded (RELIABILITY.md A4). Built only when one of the options is set.
//
// normalize_path is RFC 3986 §6.2.2: percent-encoded unreserved characters are decoded, the hex
// of the others is upper-cased, dot segments are removed (after decoding, so `%2e%2e` is `..`), and
// a backslash is a separator (as Envoy's Chromium-derived canonicalizer treats it). Weft is stricter
// than Envoy on input it cannot read one way only: a malformed escape, `%00`, an encoded byte
// sequence that is not shortest-form UTF-8, a control or non-ASCII character, and a fragment are refused.

export type EscapedSlashesAction = 'IMPLEMENTATION_SPECIFIC_DEFAULT' | 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

export interface PathNormalization {
  readonly normalizePath: boolean;
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: EscapedSlashesAction;
}

/** The path to route and forward (a string: nothing is allocated for it), or why not. */
export type NormalizedPath =
  | string
  | { readonly kind: 'reject'; readonly reason: string }
  /** UNESCAPE_AND_REDIRECT: the client is sent to `location` (Envoy answers 307). */
  | { readonly kind: 'redirect'; readonly location: string };

const HEX = '0123456789ABCDEF';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 45 || b === 46 || b === 95 || b === 126;
}

/** `%2F`/`%5C` in either case at i. */
function escapedSlashAt(p: string, i: number): boolean {
  if (i + 2 >= p.length) return false;
  const a = p.charCodeAt(i + 1);
  const b = p.charCodeAt(i + 2) | 0x20;
  return (a === 50 && b === 102) || (a === 53 && b === 99);
}

function hasEscapedSlash(p: string): boolean {
  for (let i = p.indexOf('%'); i >= 0; i = p.indexOf('%', i + 1)) if (escapedSlashAt(p, i)) return true;
  return false;
}

function unescapeSlashes(p: string): string {
  return p.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
}

/** Percent-decoding of unreserved characters, upper-case hex, backslash to slash, UTF-8 check; or why the path is refused. */
function canonicalEscapes(p: string): string | { reason: string } {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < p.length) {
    const c = p.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return { reason: 'the path holds a control or non-ASCII character' };
    if (c === 92 /* \ */) {
      out += `${p.slice(from, i)}/`;
      from = ++i;
      continue;
    }
    if (c !== 37) {
      i++;
      continue;
    }
    // A run of escapes: decoded together so a multi-byte UTF-8 sequence is checked as one.
    const start = i;
    const bytes: number[] = [];
    while (i < p.length && p.charCodeAt(i) === 37) {
      const hi = hexValue(p.charCodeAt(i + 1));
      const lo = hexValue(p.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return { reason: 'the path holds a malformed percent-escape' };
      const b = (hi << 4) | lo;
      if (b === 0) return { reason: 'the path holds %00' };
      bytes.push(b);
      i += 3;
    }
    if (bytes.some((b) => b >= 0x80)) {
      try {
        utf8.decode(Uint8Array.from(bytes));
      } catch {
        return { reason: 'the path holds percent-escapes that are not valid (shortest-form) UTF-8' };
      }
    }
    out += p.slice(from, start);
    for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
    from = i;
  }
  return from === 0 ? p : out + p.slice(from);
}

/** RFC 3986 §5.2.4 remove_dot_segments, for an absolute path. */
export function removeDotSegments(p: string): string {
  if (!p.includes('.')) return p;
  const segments = p.split('/');
  const out: string[] = [];
  // segments[0] is '' (the path starts with '/').
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}

function mergeSlashes(p: string): string {
  return p.includes('//') ? p.replace(/\/{2,}/g, '/') : p;
}

/** Normalizes `target` (origin form, query kept as is) by `n`. */
export function normalizePath(target: string, n: PathNormalization): NormalizedPath {
  if (target.includes('#')) return { kind: 'reject', reason: 'the path holds a fragment (#)' };
  const q = target.indexOf('?');
  let path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  if (path.charCodeAt(0) !== 47) return target; // '*' (OPTIONS): nothing to normalize
  let redirect = false;
  if (hasEscapedSlash(path)) {
    switch (n.escapedSlashes) {
      case 'REJECT_REQUEST':
        return { kind: 'reject', reason: 'the path holds an escaped slash (%2F or %5C)' };
      case 'UNESCAPE_AND_REDIRECT':
        redirect = true;
        path = unescapeSlashes(path);
        break;
      case 'UNESCAPE_AND_FORWARD':
        path = unescapeSlashes(path);
        break;
      default:
        break; // KEEP_UNCHANGED: %2F and %5C stay escaped, and so are no separators
    }
  }
  if (n.normalizePath) {
    const c = canonicalEscapes(path);
    if (typeof c !== 'string') return { kind: 'reject', reason: c.reason };
    path = removeDotSegments(c);
  }
  if (n.mergeSlashes) path = mergeSlashes(path);
  const result = q < 0 ? path : path + query;
  return redirect ? { kind: 'redirect', location: result } : result;
}

/** A normalizer for the HCM, or null when no option asks for one (then requests pay nothing). */
export function pathNormalizer(n: PathNormalization): ((target: string) => NormalizedPath) | null {
  const active = n.normalizePath || n.mergeSlashes || (n.escapedSlashes !== 'KEEP_UNCHANGED' && n.escapedSlashes !== 'IMPLEMENTATION_SPECIFIC_DEFAULT');
  return active ? (target) => normalizePath(target, n) : null;
}
