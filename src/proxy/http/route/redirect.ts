// RedirectAction → the Location Envoy would send (Http::Utility::newUri): scheme, host, port and
// path swaps, prefix/regex path rewrites, query stripping, and default-port removal.

import { REDIRECT_RESPONSE_CODES, type RedirectAction as RedirectConfig } from '../../../xds/envoy/index.ts';
import type { PathMatcher } from './path-matcher.ts';
import { compilePathRewrite } from './path-rewrite.ts';
import type { RedirectAction } from './types.ts';

/**
 * The request host for the Location, minus its port when the redirect sets a port, or when the
 * scheme changes away from the one whose default port the request named (http:80, https:443).
 */
export function processRequestHost(host: string, newScheme: string, newPort: string, requestScheme: string): string {
  if (host === '') return host;
  let end: number;
  if (host[0] === '[') {
    end = host.lastIndexOf(']:');
    if (end >= 0) end += 1;
  } else {
    end = host.lastIndexOf(':');
  }
  if (end < 0) return host;
  const port = host.slice(end);
  let remove = newPort !== '';
  if (newScheme !== requestScheme) {
    remove ||= requestScheme === 'https' && port === ':443';
    remove ||= requestScheme === 'http' && port === ':80';
  }
  return remove ? host.slice(0, end) : host;
}

export function compileRedirect(r: RedirectConfig, matcher: PathMatcher): RedirectAction {
  const schemeRedirect = r.scheme_redirect || (r.https_redirect ? 'https' : '');
  const hostRedirect = r.host_redirect ?? '';
  const port = r.port_redirect ? `:${r.port_redirect}` : '';
  const pathRedirect = r.path_redirect ?? '';
  const pathRedirectHasQuery = pathRedirect.includes('?');
  const stripQuery = r.strip_query === true && !pathRedirectHasQuery;
  const rewrite = compilePathRewrite(matcher, r.prefix_rewrite, r.regex_rewrite);
  return {
    kind: 'redirect',
    status: REDIRECT_RESPONSE_CODES[r.response_code ?? 'MOVED_PERMANENTLY'],
    location(req, scheme) {
      const finalScheme = schemeRedirect || scheme;
      const host = hostRedirect || processRequestHost(req.authority, finalScheme, port, scheme);
      let path: string;
      if (pathRedirect !== '') {
        // A query in path_redirect replaces the request's; otherwise the request's query is kept.
        const q = req.path.indexOf('?');
        path = pathRedirectHasQuery || q < 0 ? pathRedirect : pathRedirect + req.path.slice(q);
      } else {
        path = rewrite(req.path);
      }
      if (!path.startsWith('/')) path = `/${path}`;
      if (stripQuery) {
        const q = path.indexOf('?');
        if (q >= 0) path = path.slice(0, q);
      }
      return `${finalScheme}://${host}${port}${path}`;
    },
  };
}
