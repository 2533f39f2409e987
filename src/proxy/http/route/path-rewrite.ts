// prefix_rewrite and regex_rewrite (of a route action or a redirect) → a function on the request
// target, as Envoy's currentUrlPathAfterRewriteWithMatchedPath: prefix_rewrite swaps the part the
// route matched; regex_rewrite replaces every match in the path; the query string is kept.

import { WeftError } from '../../../core/errors.ts';
import { compileRe2, parseRe2Substitution, type RegexMatchAndSubstitute } from '../../../xds/envoy/index.ts';
import type { PathMatcher } from './path-matcher.ts';
import { pathEnd } from './request-view.ts';

export type PathRewrite = (path: string) => string;

const identity: PathRewrite = (path) => path;

function regexRewrite(r: RegexMatchAndSubstitute): PathRewrite {
  const c = compileRe2(r.pattern.regex);
  if (!c.ok) throw new WeftError('WEFT_CONFIG_INVALID', `regex_rewrite: ${c.reason}`);
  const s = parseRe2Substitution(r.substitution ?? '', c.compiled.groups);
  if (!s.ok) throw new WeftError('WEFT_CONFIG_INVALID', `regex_rewrite: ${s.reason}`);
  const re = c.compiled.global;
  const parts = s.parts;
  // A replacer function, not a JS replacement string: RE2's "\1" syntax has no '$' specials to escape.
  const replacer = (...args: unknown[]): string => {
    let out = '';
    for (const p of parts) out += typeof p === 'number' ? ((args[p] as string | undefined) ?? '') : p;
    return out;
  };
  return (path) => {
    const end = pathEnd(path);
    return path.slice(0, end).replace(re, replacer) + path.slice(end);
  };
}

export function compilePathRewrite(
  matcher: PathMatcher,
  prefixRewrite: string | undefined,
  regex: RegexMatchAndSubstitute | undefined,
): PathRewrite {
  if (prefixRewrite !== undefined && prefixRewrite !== '') {
    const matched = matcher.matched;
    return matched === 'path'
      ? (path) => prefixRewrite + path.slice(pathEnd(path))
      : (path) => prefixRewrite + path.slice(matched);
  }
  if (regex) return regexRewrite(regex);
  return identity;
}
