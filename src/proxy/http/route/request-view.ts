// What route matchers read from a request, computed at most once per match and only when a matcher
// asks: the path without query and fragment, its ASCII lower case, query parameters, header values.
// One instance per route table is reused for every match (matching is synchronous), so the common
// prefix-only table allocates nothing.

import type { RouteRequest } from './types.ts';

/** Index where the path ends: the first '?' or '#' (Envoy's removeQueryAndFragment), or the length. */
export function pathEnd(path: string): number {
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  if (q < 0) return h < 0 ? path.length : h;
  return h >= 0 && h < q ? h : q;
}

/** ASCII-only lower case, as Envoy's case-insensitive matching (absl) does. */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

export class RequestView {
  req: RouteRequest = { authority: '', method: '', path: '', headers: [] };
  /** Length of the path part of req.path. */
  end = 0;
  private path: string | undefined;
  private lower: string | undefined;
  private query: Map<string, string> | undefined;

  reset(req: RouteRequest): void {
    this.req = req;
    this.end = pathEnd(req.path);
    this.path = undefined;
    this.lower = undefined;
    this.query = undefined;
  }

  pathOnly(): string {
    return (this.path ??= this.end === this.req.path.length ? this.req.path : this.req.path.slice(0, this.end));
  }

  lowerPath(): string {
    return (this.lower ??= asciiLower(this.pathOnly()));
  }

  /**
   * First value of each query parameter, undecoded — Envoy matches query_parameters against the raw
   * text (QueryParamsMulti::parseQueryString). A name without '=' has the value ''.
   */
  queryParams(): Map<string, string> {
    if (this.query) return this.query;
    const q = new Map<string, string>();
    const path = this.req.path;
    const start = path.indexOf('?');
    if (start >= 0) {
      for (const part of path.slice(start + 1).split('&')) {
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        if (!q.has(name)) q.set(name, eq < 0 ? '' : part.slice(eq + 1));
      }
    }
    return (this.query = q);
  }

  /** All values of a (lower-case) header joined with ',' as Envoy does; undefined when absent. */
  header(name: string): string | undefined {
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':authority') return this.req.authority;
      if (name === ':method') return this.req.method;
      if (name === ':path') return this.req.path;
    }
    const h = this.req.headers;
    let found: string | undefined;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === name) found = found === undefined ? h[i + 1] : `${found},${h[i + 1]}`;
    }
    return found;
  }
}
