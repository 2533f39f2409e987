// Free loopback ports for tests that must name a port before the process that binds it starts.
// They come from below the kernel's ephemeral range (32768–60999 by default): a port picked there
// by listening on 0 is soon handed out again as the source port of some client connection in a
// parallel test, and the process that was to bind it fails with EADDRINUSE.
import { createServer, type Server } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function tryListen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** `n` distinct free ports (all held open together, so none is handed out twice). */
export async function freePorts(n: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  for (let attempts = 0; ports.length < n; attempts++) {
    if (attempts > 1000) throw new Error(`no ${n} free ports between ${LOW} and ${HIGH}`);
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (ports.includes(port)) continue;
    const s = await tryListen(port);
    if (s === null) continue;
    held.push(s);
    ports.push(port);
  }
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** One free port. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
