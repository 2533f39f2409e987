// The Node peer: a minimal fastify server with @fastify/http-proxy (see fastify-server.ts).
import { join } from 'node:path';
import { packageVersion } from '../machine.ts';
import { freePorts } from '../net.ts';
import { launch } from './launch.ts';
import type { Peer, PeerSetup, Probe } from './types.ts';

const root = join(import.meta.dirname, '..', '..');

export const fastify: Peer = {
  id: 'fastify',
  label: 'fastify-http-proxy',
  probe(): Promise<Probe> {
    const proxy = packageVersion('@fastify/http-proxy');
    const server = packageVersion('fastify');
    if (proxy === undefined || server === undefined) {
      return Promise.resolve({ installed: false, reason: 'fastify / @fastify/http-proxy not in node_modules' });
    }
    return Promise.resolve({ installed: true, version: `@fastify/http-proxy ${proxy}, fastify ${server}, node ${process.version}` });
  },
  async start(setup: PeerSetup) {
    const [port] = await freePorts(1);
    return launch({
      command: process.execPath,
      args: [join(import.meta.dirname, 'fastify-server.ts'), String(port), `http://${setup.backend}`],
      cpu: setup.cpu,
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
      readyUrl: `http://127.0.0.1:${port}/`,
      url: `http://127.0.0.1:${port}/`,
    });
  },
};
