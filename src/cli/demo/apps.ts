// The demo's apps, plain node:http servers that know nothing of the mesh: backend answers who it
// is; frontend calls backend through its sidecar's outbound port, with `Host: backend:8080`.

import http from 'node:http';

export interface App {
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<App> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      port: (server.address() as { port: number }).port,
      close: () => new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
    }));
  });
}

export function startBackend(version: string): Promise<App> {
  return listen(http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'backend', version }));
  }));
}

/** `outbound()` is the frontend sidecar's outbound port, known once that sidecar runs. */
export function startFrontend(outbound: () => number): Promise<App> {
  const agent = new http.Agent({ keepAlive: true });
  return listen(http.createServer((req, res) => {
    req.resume();
    const headers: http.OutgoingHttpHeaders = { host: 'backend:8080' };
    if (req.headers['x-canary']) headers['x-canary'] = req.headers['x-canary'];
    const call = http.request({ host: '127.0.0.1', port: outbound(), path: '/', headers, agent }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ service: 'frontend', backend: Buffer.concat(chunks).toString() }));
      });
    });
    call.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`frontend: backend unreachable: ${err.message}\n`);
    });
    call.end();
  }));
}
