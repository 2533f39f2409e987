// Mapping between Weft's flat header lists and node:http2 header objects (pseudo-headers,
// repeated fields as arrays, cookie crumbs joined as RFC 9113 §8.2.3 requires).
import http2 from 'node:http2';
import type { HeaderList } from './headers.ts';
import type { RequestHead } from './stream.ts';

export function toH2Request(head: RequestHead): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {
    ':method': head.method,
    ':path': head.path,
    ':authority': head.authority,
    ':scheme': head.scheme,
  };
  addList(out, head.headers);
  return out;
}

export function toH2Response(status: number, headers: HeaderList): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ':status': status };
  addList(out, headers);
  return out;
}

/**
 * Repeated fields are joined into one (RFC 9110 §5.3, as Envoy does): node:http2 refuses
 * arrays for single-value fields such as user-agent. Cookies join with "; " (RFC 9113
 * §8.2.3); set-cookie cannot be joined and stays a list.
 */
export function addList(out: http2.OutgoingHttpHeaders, headers: HeaderList): void {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (name === 'set-cookie') out[name] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    else out[name] = `${String(prev)}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
}

/**
 * Answers a stream's 'wantTrailers': sends the trailers (or an empty trailing HEADERS frame
 * to end the stream). A field HTTP/2 cannot carry resets the stream instead of throwing out
 * of the event handler.
 */
export function sendTrailers(stream: http2.Http2Stream, trailers: HeaderList | null): void {
  try {
    const out: http2.OutgoingHttpHeaders = {};
    if (trailers !== null) addList(out, trailers);
    stream.sendTrailers(out);
  } catch {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }
}

export interface H2HeadFields {
  headers: HeaderList;
  method: string;
  path: string;
  authority: string;
  scheme: string;
}

/** Splits a node:http2 header object into pseudo-header fields and a flat list of the rest. */
export function fromH2Headers(obj: http2.IncomingHttpHeaders): H2HeadFields {
  const headers: HeaderList = [];
  let method = '';
  let path = '';
  let authority = '';
  let scheme = '';
  for (const name in obj) {
    const value = obj[name];
    if (value === undefined) continue;
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':method') method = String(value);
      else if (name === ':path') path = String(value);
      else if (name === ':authority') authority = String(value);
      else if (name === ':scheme') scheme = String(value);
      continue;
    }
    if (Array.isArray(value)) for (const v of value) headers.push(name, v);
    else headers.push(name, String(value));
  }
  if (authority === '') {
    const host = obj.host;
    if (typeof host === 'string') authority = host;
  }
  return { headers, method, path, authority, scheme };
}
