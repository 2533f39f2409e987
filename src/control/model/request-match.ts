// Matching one request against Gateway API match conditions: paths (Exact, element-wise
// PathPrefix, RegularExpression as a full match), headers (names case-insensitive, only the
// first of equivalent names counts), query parameters (first value) and method.

import type { HeaderMatch } from '../../api/index.ts';
// Envoy's safe_regex matches the whole value, in RE2 syntax.
import { fullRegex } from './re2.ts';

export interface HttpRequest {
  readonly method: string;
  /** Path with an optional query string: `/api/items?id=3`. */
  readonly path: string;
  /** Header names in any case; a repeated header is a list (joined with ", " for matching). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

export type PathType = 'Exact' | 'PathPrefix' | 'RegularExpression';


export function pathMatcher(type: PathType, value: string): (path: string) => boolean {
  if (type === 'Exact') return (path) => path === value;
  if (type === 'RegularExpression') {
    const re = fullRegex(value);
    return (path) => re.test(path);
  }
  // "A trailing / is ignored": /abc matches /abc, /abc/ and /abc/def, not /abcd.
  const prefix = value.endsWith('/') ? value.slice(0, -1) : value;
  if (prefix === '') return () => true;
  return (path) => path === prefix || path.startsWith(`${prefix}/`);
}

export function splitPath(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

export function headerValue(headers: HttpRequest['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return typeof v === 'string' ? v : v.join(', ');
  }
  return undefined;
}

type ValueMatch = { readonly type?: 'Exact' | 'RegularExpression'; readonly name: string; readonly value: string };

function valueMatcher(m: ValueMatch): (v: string | undefined) => boolean {
  if ((m.type ?? 'Exact') === 'Exact') return (v) => v === m.value;
  const re = fullRegex(m.value);
  return (v) => v !== undefined && re.test(v);
}

/** Header conditions, keeping only the first of equivalent (case-insensitive) names. */
export function headerMatcher(list: readonly HeaderMatch[] | undefined): { readonly count: number; test(h: HttpRequest['headers']): boolean } {
  const seen = new Set<string>();
  const checks: { name: string; test: (v: string | undefined) => boolean }[] = [];
  for (const m of list ?? []) {
    const lower = m.name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    checks.push({ name: m.name, test: valueMatcher(m) });
  }
  return { count: checks.length, test: (h) => checks.every((c) => c.test(headerValue(h, c.name))) };
}

/** Query conditions: names compare exactly; a repeated parameter matches on its first value. */
export function queryMatcher(list: readonly ValueMatch[] | undefined): { readonly count: number; test(q: URLSearchParams): boolean } {
  const seen = new Set<string>();
  const checks: { name: string; test: (v: string | undefined) => boolean }[] = [];
  for (const m of list ?? []) {
    if (seen.has(m.name)) continue;
    seen.add(m.name);
    checks.push({ name: m.name, test: valueMatcher(m) });
  }
  return { count: checks.length, test: (q) => checks.every((c) => c.test(q.get(c.name) ?? undefined)) };
}
