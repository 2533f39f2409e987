// RouteMatch path specifiers → a predicate on the path (query and fragment excluded), plus how much
// of the path a match consumed, which prefix_rewrite replaces.

import type { RouteMatch } from '../../../xds/envoy/index.ts';
import { asciiLower, type RequestView } from './request-view.ts';
import { fullMatchRegex } from './string-matcher.ts';

/** Case-sensitive prefix and path are tested inline by the route table's loop (the hot path). */
export const PREFIX = 0;
export const EXACT = 1;
export const OTHER = 2;

export interface PathMatcher {
  readonly kind: typeof PREFIX | typeof EXACT | typeof OTHER;
  /** The configured prefix or path, for PREFIX and EXACT. */
  readonly value: string;
  matches(view: RequestView): boolean;
  /** Characters of the path a match covers: the configured prefix/path, or 'path' for the whole path. */
  readonly matched: number | 'path';
}

export function compilePathMatcher(m: RouteMatch): PathMatcher {
  // case_sensitive is ignored for safe_regex, as in Envoy.
  if (m.safe_regex) {
    const re = fullMatchRegex(m.safe_regex.regex);
    return { kind: OTHER, value: '', matched: 'path', matches: (v) => re.test(v.pathOnly()) };
  }
  const cs = m.case_sensitive !== false;
  if (m.path !== undefined) {
    const p = m.path;
    const lp = asciiLower(p);
    return {
      kind: cs ? EXACT : OTHER,
      value: p,
      matched: p.length,
      matches: cs ? (v) => v.end === p.length && v.req.path.startsWith(p) : (v) => v.end === p.length && v.lowerPath() === lp,
    };
  }
  if (m.path_separated_prefix !== undefined) {
    const p = m.path_separated_prefix;
    const lp = asciiLower(p);
    const n = p.length;
    return {
      kind: OTHER,
      value: p,
      matched: n,
      matches: (v) =>
        v.end >= n &&
        (cs ? v.req.path.startsWith(p) : v.lowerPath().startsWith(lp)) &&
        (v.end === n || v.req.path.charCodeAt(n) === 47 /* '/' */),
    };
  }
  const p = m.prefix ?? '';
  const lp = asciiLower(p);
  return {
    kind: cs ? PREFIX : OTHER,
    value: p,
    matched: p.length,
    matches: cs ? (v) => v.end >= p.length && v.req.path.startsWith(p) : (v) => v.end >= p.length && v.lowerPath().startsWith(lp),
  };
}
