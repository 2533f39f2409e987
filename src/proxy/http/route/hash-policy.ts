// RouteAction.hash_policy → the request's hash for RING_HASH, as Envoy computes it: each policy in
// order hashes its input (a header, a cookie, the source IP, a query parameter) when the request has
// it; the hashes are folded together, and a `terminal` policy that produced one ends the list.
import { combineHash, xxhash32 } from '../../balance/hash.ts';
import type { HashPolicy } from '../../../xds/envoy/index.ts';
import type { HeaderList } from '../headers.ts';
import type { RequestHashPolicy, RouteRequest } from './types.ts';

type Method = (req: RouteRequest, sourceAddress: string) => number | undefined;

/** Hash of every value of `name`; several values are sorted first so their order does not matter (Envoy). */
function headerHash(name: string): Method {
  if (name === ':authority' || name === 'host') return (req) => xxhash32(req.authority);
  if (name === ':path') return (req) => xxhash32(req.path);
  if (name === ':method') return (req) => xxhash32(req.method);
  return (req) => {
    const h = req.headers;
    let first: string | undefined;
    let more: string[] | undefined;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] !== name) continue;
      if (first === undefined) first = h[i + 1];
      else (more ??= [first]).push(h[i + 1]);
    }
    if (more === undefined) return first === undefined ? undefined : xxhash32(first);
    more.sort();
    let acc = 0;
    for (const v of more) acc = combineHash(acc, xxhash32(v));
    return acc;
  };
}

/** The value of cookie `name` in the Cookie header(s) (HTTP/2 may split them), or undefined. */
export function cookieValue(headers: HeaderList, name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'cookie') continue;
    const line = headers[i + 1];
    let at = 0;
    while (at < line.length) {
      while (line.charCodeAt(at) === 32) at++; // spaces after ';'
      let end = line.indexOf(';', at);
      if (end < 0) end = line.length;
      const eq = line.indexOf('=', at);
      if (eq > at && eq < end && eq - at === name.length && line.startsWith(name, at)) {
        let value = line.slice(eq + 1, end).trimEnd();
        if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
        return value;
      }
      at = end + 1;
    }
  }
  return undefined;
}

/** The first raw (undecoded) value of query parameter `name`, as Envoy's parseQueryString gives it. */
export function queryValue(path: string, name: string): string | undefined {
  let at = path.indexOf('?');
  if (at < 0) return undefined;
  const stop = path.indexOf('#', at);
  const limit = stop < 0 ? path.length : stop;
  at++;
  while (at <= limit) {
    let end = path.indexOf('&', at);
    if (end < 0 || end > limit) end = limit;
    if (path.startsWith(name, at)) {
      const after = at + name.length;
      if (after === end) return '';
      if (path.charCodeAt(after) === 61 /* '=' */) return path.slice(after + 1, end);
    }
    at = end + 1;
  }
  return undefined;
}

function method(p: HashPolicy): Method {
  if (p.header) return headerHash(p.header.header_name.toLowerCase());
  if (p.cookie) {
    const name = p.cookie.name;
    return (req) => {
      const v = cookieValue(req.headers, name);
      return v === undefined ? undefined : xxhash32(v);
    };
  }
  if (p.query_parameter) {
    const name = p.query_parameter.name;
    return (req) => {
      const v = queryValue(req.path, name);
      return v === undefined ? undefined : xxhash32(v);
    };
  }
  // connection_properties: source_ip false hashes nothing, as in Envoy.
  if (p.connection_properties?.source_ip !== true) return () => undefined;
  return (_req, source) => (source === '' ? undefined : xxhash32(source));
}

/** null when the route has no hash policy (the common case: nothing to run per request). */
export function compileHashPolicy(policies: readonly HashPolicy[] | undefined): RequestHashPolicy | null {
  if (policies === undefined || policies.length === 0) return null;
  const methods = policies.map(method);
  const terminal = policies.map((p) => p.terminal === true);
  return {
    hash(req, sourceAddress) {
      let acc: number | undefined;
      for (let i = 0; i < methods.length; i++) {
        const h = methods[i](req, sourceAddress);
        if (h === undefined) continue;
        acc = acc === undefined ? h : combineHash(acc, h);
        if (terminal[i]) break;
      }
      return acc;
    },
  };
}
