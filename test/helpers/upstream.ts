// Real upstream servers for integration tests, on port 0. The echo server answers with a JSON
// description of what it received and keeps every raw request byte it saw, so tests can check
// exactly what the proxy forwarded (RELIABILITY.md: "upstreams are echo servers").
import net from 'node:net';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface EchoRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
  trailers: Record<string, string | undefined>;
  httpVersion: string;
}

export interface EchoServer {
  readonly port: number;
  readonly name: string;
  /** Requests as node:http parsed them, in arrival order. */
  readonly requests: EchoRequest[];
  /** Every byte received, all connections concatenated in arrival order. */
  raw(): string;
  connections: number;
  close(): Promise<void>;
}

/**
 * HTTP/1.1 echo upstream. Behaviour is steered by the request path:
 * `/status/NNN` answers NNN, `/delay/MS` waits MS before answering, `/chunked` streams the
 * answer chunked with a trailer, `/close` answers with Connection: close.
 */
export async function startEchoServer(name = 'echo'): Promise<EchoServer> {
  const requests: EchoRequest[] = [];
  const chunks: Buffer[] = [];
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      const record: EchoRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(body).toString(),
        trailers: req.trailers as Record<string, string | undefined>,
        httpVersion: req.httpVersion,
      };
      requests.push(record);
      const url = req.url ?? '/';
      const reply = (): void => {
        const status = url.startsWith('/status/') ? Number(url.slice(8, 11)) : 200;
        const payload = JSON.stringify({ server: name, ...record });
        if (url.startsWith('/chunked')) {
          res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name, trailer: 'x-checksum' });
          res.write(payload.slice(0, 10));
          res.write(payload.slice(10));
          res.addTrailers({ 'x-checksum': String(payload.length) });
          res.end();
          return;
        }
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-upstream': name };
        if (url.startsWith('/close')) headers.connection = 'close';
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : payload);
      };
      const delay = url.startsWith('/delay/') ? Number(url.slice(7).split(/[/?]/)[0]) : 0;
      if (delay > 0) setTimeout(reply, delay);
      else reply();
    });
  });
  // The raw bytes are taken by a relay in front of the HTTP server (node:http reads its
  // sockets below the 'data' event, so a listener on the accepted socket would see nothing).
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const inner = (server.address() as AddressInfo).port;
  let connections = 0;
  const tap = net.createServer((socket) => {
    connections++;
    const relay = net.connect(inner, '127.0.0.1');
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.pipe(relay).pipe(socket);
    socket.on('error', () => relay.destroy());
    relay.on('error', () => socket.destroy());
    socket.on('close', () => relay.destroy());
    relay.on('close', () => socket.destroy());
  });
  await new Promise<void>((r) => tap.listen(0, '127.0.0.1', r));
  const echo: EchoServer = {
    port: (tap.address() as AddressInfo).port,
    name,
    requests,
    raw: () => Buffer.concat(chunks).toString('latin1'),
    get connections() { return connections; },
    set connections(v) { connections = v; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close();
      tap.close(() => resolve());
    }),
  };
  return echo;
}

export interface H2EchoServer {
  readonly port: number;
  readonly requests: { headers: http2.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** HTTP/2 cleartext (prior knowledge) echo upstream; answers with trailers when asked (`te: trailers`). */
export async function startH2EchoServer(name = 'h2echo'): Promise<H2EchoServer> {
  const requests: { headers: http2.IncomingHttpHeaders; body: string }[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const body: Buffer[] = [];
    stream.on('data', (d: Buffer) => body.push(d));
    stream.on('end', () => {
      const text = Buffer.concat(body).toString();
      requests.push({ headers, body: text });
      const payload = JSON.stringify({ server: name, headers, body: text });
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-upstream': name }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'done' }));
      stream.end(payload);
    });
  });
  // server.close() waits for every session to end; a test's teardown should not depend on its peers.
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sessions) s.destroy();
    }),
  };
}

/** Sends raw bytes on a fresh connection and collects everything until the peer closes or `ms` pass. */
export function rawExchange(port: number, bytes: string | Buffer, ms = 1000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    const timer = setTimeout(() => { socket.destroy(); resolve({ data, closed }); }, ms);
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => { closed = true; clearTimeout(timer); resolve({ data, closed }); });
    socket.write(bytes);
  });
}
