// RouteMatch.headers and query_parameters → predicates, exactly as Envoy evaluates them
// (HeaderUtility::matchHeaders, ConfigUtility::QueryParameterMatcher).

import type { HeaderMatcher, QueryParameterMatcher } from '../../../xds/envoy/index.ts';
import type { RequestView } from './request-view.ts';
import { compileStringMatcher, fullMatchRegex, type StringPredicate } from './string-matcher.ts';

export type ViewPredicate = (view: RequestView) => boolean;

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** The value test of a header matcher, or `{present}` for a presence matcher and its polarity. */
function valueTest(h: HeaderMatcher): StringPredicate | { present: boolean } {
  if (h.exact_match !== undefined) {
    const want = h.exact_match;
    return (v) => want === '' || v === want; // an empty exact_match only checks presence
  }
  if (h.safe_regex_match) {
    const re = fullMatchRegex(h.safe_regex_match.regex);
    return (v) => re.test(v);
  }
  if (h.range_match) {
    const start = h.range_match.start ?? 0;
    const end = h.range_match.end ?? 0;
    return (v) => INTEGER.test(v) && Number(v) >= start && Number(v) < end;
  }
  if (h.prefix_match !== undefined) {
    const p = h.prefix_match;
    return (v) => v.startsWith(p);
  }
  if (h.suffix_match !== undefined) {
    const s = h.suffix_match;
    return (v) => v.endsWith(s);
  }
  if (h.contains_match !== undefined) {
    const c = h.contains_match;
    return (v) => v.includes(c);
  }
  if (h.string_match) return compileStringMatcher(h.string_match);
  // present_match, or no specifier at all (Envoy then checks presence).
  return { present: h.present_match ?? true };
}

export function compileHeaderMatcher(h: HeaderMatcher): ViewPredicate {
  const name = h.name.toLowerCase();
  const invert = h.invert_match === true;
  const treatMissingAsEmpty = h.treat_missing_header_as_empty === true;
  const test = valueTest(h);
  if (typeof test !== 'function') {
    const present = test.present;
    return (view) => {
      const v = view.header(name);
      if (v === undefined && !treatMissingAsEmpty) return invert ? present : !present;
      return present !== invert;
    };
  }
  return (view) => {
    const v = view.header(name);
    // A missing header fails every value matcher, inverted or not.
    if (v === undefined && !treatMissingAsEmpty) return false;
    return test(v ?? '') !== invert;
  };
}

export function compileQueryMatcher(q: QueryParameterMatcher): ViewPredicate {
  const name = q.name;
  // present_match (true or false alike, as in Envoy) and no specifier both mean "present".
  const test = q.string_match ? compileStringMatcher(q.string_match) : null;
  return (view) => {
    const v = view.queryParams().get(name);
    if (v === undefined) return false;
    return test === null || test(v);
  };
}

/** All of `predicates` must hold; null when there are none (so callers skip the call). */
export function allOf(predicates: readonly ViewPredicate[]): ViewPredicate | null {
  if (predicates.length === 0) return null;
  if (predicates.length === 1) return predicates[0];
  return (view) => {
    for (const p of predicates) if (!p(view)) return false;
    return true;
  };
}
