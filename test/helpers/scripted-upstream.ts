// A real HTTP/1.1 upstream that fails on command, for resilience tests: each request takes the
// next step of a script (or the standing default) — answer a status, hang up, answer late — and is
// recorded. It can be killed abruptly (listener and every socket destroyed) and brought back on
// the same port.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Step =
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string> }
  /** Read the request, then destroy the socket without answering. */
  | { readonly kind: 'reset' }
  /** Answer `status` (default 200) after `ms`. */
  | { readonly kind: 'delay'; readonly ms: number; readonly status?: number }
  /** Answer 200 at once, then one body chunk every `everyMs`, `chunks` in all. */
  | { readonly kind: 'drip'; readonly everyMs: number; readonly chunks: number };

export const ok: Step = { kind: 'status', status: 200 };
export const status = (code: number, headers?: Record<string, string>): Step => ({ kind: 'status', status: code, headers });
export const reset: Step = { kind: 'reset' };
export const delay = (ms: number, code = 200): Step => ({ kind: 'delay', ms, status: code });
export const drip = (everyMs: number, chunks: number): Step => ({ kind: 'drip', everyMs, chunks });

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface ScriptedUpstream {
  readonly name: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Steps for the next requests, in order; after them `standing` applies. */
  script(...steps: Step[]): void;
  standing: Step;
  /** Forgets the requests seen and the steps not yet taken; the standing step is `ok` again. */
  forget(): void;
  /** Destroys the listener and every open socket at once (a crash, as far as peers can tell). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedUpstream(name: string): Promise<ScriptedUpstream> {
  const requests: SeenRequest[] = [];
  const queue: Step[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(body).toString(), headers: req.headers });
      const step = queue.shift() ?? upstream.standing;
      const answer = (code: number, headers: Record<string, string> = {}): void => {
        if (res.destroyed) return;
        const payload = JSON.stringify({ server: name, n: requests.length, url: req.url });
        res.writeHead(code, { 'content-type': 'application/json', 'x-upstream': name, ...headers });
        res.end(payload);
      };
      if (step.kind === 'reset') req.socket.destroy();
      else if (step.kind === 'status') answer(step.status, step.headers);
      else if (step.kind === 'delay') setTimeout(() => answer(step.status ?? 200), step.ms);
      else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
        res.flushHeaders();
        let sent = 0;
        const tick = setInterval(() => {
          if (res.destroyed || ++sent > step.chunks) {
            clearInterval(tick);
            res.end();
          } else res.write(`chunk ${sent}\n`);
        }, step.everyMs);
      }
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const upstream: ScriptedUpstream = {
    name,
    port,
    requests,
    standing: ok,
    script: (...steps) => { queue.push(...steps); },
    forget: () => {
      requests.length = 0;
      queue.length = 0;
      upstream.standing = ok;
    },
    kill: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
    restart: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    }),
    close: async () => {
      if (!server.listening) return;
      await upstream.kill();
    },
  };
  return upstream;
}

/** A loopback port with nothing listening on it (bound, read, closed). */
export async function deadPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}
