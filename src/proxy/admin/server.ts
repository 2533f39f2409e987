// The admin API's HTTP server (node:http; not the hot path): loopback-only binding, method and
// origin checks, and dispatch to the endpoint table.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { WeftError } from '../../core/index.ts';
import { ENDPOINTS, endpointList, text, type Endpoint, type Reply } from './endpoints.ts';
import type { AdminTarget } from './target.ts';

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface AdminServerOptions {
  /** The admin API can stop the proxy and shows its config; binding beyond loopback must be deliberate (RELIABILITY B8). */
  allowNonLoopback?: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6'); // also matches ::ffff:127.x.x.x

function isLoopback(name: string): boolean {
  const host = name.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true; // RFC 6761: always loopback
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

const BY_PATH = new Map<string, Endpoint>(ENDPOINTS.map((e) => [e.path, e]));

export async function startAdminServer(
  target: AdminTarget,
  address: { host: string; port: number },
  options: AdminServerOptions = {},
): Promise<AdminServer> {
  const loopbackOnly = isLoopback(address.host);
  if (!loopbackOnly && options.allowNonLoopback !== true) {
    throw new WeftError(
      'WEFT_CONFIG_INVALID',
      `admin address ${address.host} is not a loopback address: the admin API can stop the proxy and ` +
        'exposes its configuration, so it listens on 127.0.0.1 only. Use 127.0.0.1 (reach it with ' +
        'kubectl port-forward), or pass allowNonLoopback to expose it deliberately',
    );
  }
  const server = createServer((req, res) => respond(target, loopbackOnly, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: Error) =>
      reject(new WeftError('WEFT_IO', `admin API cannot listen on ${address.host}:${address.port}: ${cause.message}`, { cause })),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function respond(target: AdminTarget, loopbackOnly: boolean, req: IncomingMessage, res: ServerResponse): void {
  let reply: Reply;
  try {
    reply = route(target, loopbackOnly, req);
  } catch (err) {
    // A failing engine call is reported to the operator, never allowed to crash the proxy.
    const code = err instanceof WeftError ? err.code : 'WEFT_INTERNAL';
    reply = text(500, `${code}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'cache-control': 'no-cache, max-age=0',
    'x-content-type-options': 'nosniff',
    ...reply.headers,
  });
  const after = reply.afterSend;
  if (after) res.once('finish', after);
  res.end(reply.body);
}

function route(admin: AdminTarget, loopbackOnly: boolean, req: IncomingMessage): Reply {
  const forbidden = checkCaller(req, loopbackOnly);
  if (forbidden) return forbidden;
  // Split by hand: new URL() would read a target such as `//x` as a host, not a path.
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const endpoint = BY_PATH.get(path);
  if (endpoint === undefined) return text(404, `invalid path. admin commands are:\n${endpointList()}`);
  const method = req.method ?? 'GET';
  if (endpoint.mutates && method !== 'POST') {
    return { ...text(405, `Method ${method} not allowed, POST required.\n`), headers: { allow: 'POST' } };
  }
  if (!endpoint.mutates && method !== 'GET' && method !== 'HEAD') {
    return { ...text(405, `Method ${method} not allowed, GET required.\n`), headers: { allow: 'GET, HEAD' } };
  }
  return endpoint.handle(admin, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)));
}

/**
 * Loopback is not enough against a browser on the same machine: a page can POST to
 * 127.0.0.1:15000 (CSRF), and a rebound DNS name can read from it. So on a loopback-only
 * server the Host must name loopback, and a request carrying an Origin must come from the
 * admin origin itself. curl and other tools send no Origin.
 */
function checkCaller(req: IncomingMessage, loopbackOnly: boolean): Reply | undefined {
  const host = req.headers.host;
  if (loopbackOnly && host !== undefined && !isLoopback(hostname(host))) {
    return text(403, `Host ${host} is not a loopback name; the admin API answers on 127.0.0.1 only.\n`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && (host === undefined || !sameHost(origin, host))) {
    return text(403, `cross-origin request from ${origin} refused.\n`);
  }
  return undefined;
}

/** `[::1]:15000` → `::1`, `localhost:15000` → `localhost`. */
function hostname(host: string): string {
  const m = /^\[([^\]]*)\](?::\d*)?$|^([^:]*)(?::\d*)?$/.exec(host);
  return m === null ? host : (m[1] ?? m[2]).toLowerCase();
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false; // includes the opaque origin "null"
  }
}
