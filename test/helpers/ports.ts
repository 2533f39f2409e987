// Free loopback ports for tests that must name a port before the process that binds it starts.
import { createServer, type AddressInfo, type Server } from 'node:net';

/** `n` distinct free ports (all held open together, so none is handed out twice). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** One free port. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
