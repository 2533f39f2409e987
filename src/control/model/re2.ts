// RE2 for the control plane, from the proxy's own translator (src/xds/envoy/regex.ts): the
// checker apply validates RegularExpression matches with, and the linear-time full-match
// regexps the model matches with — so apply, simulation and every proxy agree on a pattern.

import { compileRe2 } from '../../xds/envoy/index.ts';
import type { RegexChecker } from '../../api/index.ts';

export const re2Checker: RegexChecker = (pattern) => {
  const r = compileRe2(pattern);
  return r.ok ? undefined : `not a valid RE2 pattern: ${r.reason}`;
};

const NEVER = /(?!)/;

/** The whole-value matcher for a pattern (validated at apply; an invalid one matches nothing). */
export function fullRegex(pattern: string): RegExp {
  const r = compileRe2(pattern);
  return r.ok ? r.compiled.full : NEVER;
}
