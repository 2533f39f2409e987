// envoy.type.matcher.v3.StringMatcher → a predicate, with Envoy's semantics: ignore_case is ASCII
// case folding and has no effect on safe_regex, which must match the whole value.

import { WeftError } from '../../../core/errors.ts';
import { compileRe2, type StringMatcher } from '../../../xds/envoy/index.ts';
import { asciiLower } from './request-view.ts';

export type StringPredicate = (value: string) => boolean;

/** Compiles an RE2 pattern that config checks already accepted (a failure here is a bug). */
export function fullMatchRegex(pattern: string): RegExp {
  const r = compileRe2(pattern);
  if (!r.ok) throw new WeftError('WEFT_CONFIG_INVALID', `regex ${JSON.stringify(pattern)}: ${r.reason}`);
  return r.compiled.full;
}

export function compileStringMatcher(m: StringMatcher): StringPredicate {
  if (m.safe_regex) {
    const re = fullMatchRegex(m.safe_regex.regex);
    return (v) => re.test(v);
  }
  const ic = m.ignore_case === true;
  if (m.exact !== undefined) {
    const want = ic ? asciiLower(m.exact) : m.exact;
    return ic ? (v) => v.length === want.length && asciiLower(v) === want : (v) => v === want;
  }
  if (m.prefix !== undefined) {
    const want = ic ? asciiLower(m.prefix) : m.prefix;
    return ic ? (v) => asciiLower(v.slice(0, want.length)) === want : (v) => v.startsWith(want);
  }
  if (m.suffix !== undefined) {
    const want = ic ? asciiLower(m.suffix) : m.suffix;
    return ic ? (v) => v.length >= want.length && asciiLower(v.slice(v.length - want.length)) === want : (v) => v.endsWith(want);
  }
  if (m.contains !== undefined) {
    const want = ic ? asciiLower(m.contains) : m.contains;
    return ic ? (v) => asciiLower(v).includes(want) : (v) => v.includes(want);
  }
  throw new WeftError('WEFT_CONFIG_INVALID', 'a string matcher needs one of exact, prefix, suffix, contains, safe_regex');
}
