// Loopback helpers for the harness: free ports, one-shot GETs and readiness polling.
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';

/**
 * `count` distinct free ports on 127.0.0.1. All listeners are held open until every port is
 * known, so the same port is never handed out twice; a small race with other programs remains.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listener has no port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** Status code of one GET (fresh connection, body discarded), or an Error. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', resolve);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', resolve);
    req.end();
  });
}

export type ReadyOutcome =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string };

/**
 * Polls `url` until it answers 200, `deadlineMs` passes, or `gone` resolves (the process
 * exited). The reason says which, with the last status or error seen.
 */
export async function waitForOk(url: string, deadlineMs: number, gone: Promise<unknown>): Promise<ReadyOutcome> {
  let exited: unknown;
  let hasExited = false;
  void gone.then((value) => { exited = value; hasExited = true; });
  const end = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < end) {
    if (hasExited) return { ready: false, reason: `exited (${String(exited)})` };
    const status = await httpStatus(url, 500);
    if (status === 200) return { ready: true };
    last = status instanceof Error ? status.message : `status ${status}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (hasExited) return { ready: false, reason: `exited (${String(exited)})` };
  return { ready: false, reason: `${url} did not answer 200 within ${deadlineMs / 1000} s (last: ${last})` };
}
