// How RegularExpression matches are checked. The dialect is RE2 (what Envoy's safe_regex and
// Weft's proxy run); the control plane plugs in the proxy's RE2 checker (src/xds/envoy/regex.ts)
// through ValidateOptions.regex, so a pattern accepted at apply is one every proxy accepts.
// Without it, a syntax check on V8 that refuses what RE2 lacks (backreferences, lookaround).

/** A problem with `pattern`, or undefined when it is fine. */
export type RegexChecker = (pattern: string) => string | undefined;

export const basicRegexChecker: RegexChecker = (pattern) => {
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern)) return 'RE2 syntax: backreferences and lookaround ((?=, (?!, (?<=, (?<!) are not supported';
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
};
