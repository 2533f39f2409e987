// The origin every peer proxies to: nginx answering `return 200` with a fixed 1 KiB body.
import { freePorts } from '../net.ts';
import { findCommand } from '../proc.ts';
import { nginxConfig, startNginx } from './nginx.ts';
import type { Running } from './types.ts';

export const BODY_BYTES = 1024;

export interface Backend extends Running {
  /** `127.0.0.1:<port>`, for proxy configs. */
  readonly address: string;
}

/** Starts the backend on `cpu` (the load generator's CPU, so proxies get a core to themselves). */
export async function startBackend(dir: string, cpu: number | undefined): Promise<Backend> {
  if (findCommand('nginx') === undefined) {
    throw new Error('nginx is required for the backend: run scripts/install-system-deps.sh as root');
  }
  const [port] = await freePorts(1);
  const body = 'x'.repeat(BODY_BYTES - 1) + '\n';
  const server = `    listen 127.0.0.1:${port} backlog=4096;
    default_type text/plain;
    location / { return 200 "${body}"; }`;
  const running = await startNginx(dir, nginxConfig(dir, server), cpu, `http://127.0.0.1:${port}/`);
  return { ...running, address: `127.0.0.1:${port}` };
}
