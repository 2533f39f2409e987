// nginx as a reverse-proxy peer (one worker, upstream keep-alive); also builds the config that
// the nginx backend shares.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../net.ts';
import { findCommand } from '../proc.ts';
import { launch, probeVersion } from './launch.ts';
import type { Peer, PeerSetup, Running } from './types.ts';

/**
 * A self-contained nginx config: everything (pid, temp paths, logs) under `dir`, so it never
 * touches /etc/nginx or /var/lib/nginx and any number can run side by side.
 * keepalive_requests is raised from nginx's default of 1,000 because closing every
 * 1,000th connection would charge reconnects to nginx (and to whatever proxies to it) only.
 */
export function nginxConfig(dir: string, server: string, upstream = ''): string {
  return `worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${upstream}
  server {
${server}
  }
}
`;
}

/** Starts nginx with `config` written into `dir`, pinned to `cpu`, ready once `url` answers 200. */
export async function startNginx(dir: string, config: string, cpu: number | undefined, url: string): Promise<Running> {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  return launch({
    command: findCommand('nginx') ?? 'nginx',
    // -e stderr: errors before the config is read go to our pipe too, not /var/log/nginx.
    args: ['-p', dir, '-e', 'stderr', '-c', file],
    cpu,
    readyUrl: url,
    url,
  });
}

export const nginx: Peer = {
  id: 'nginx',
  label: 'nginx',
  probe: () => probeVersion('nginx', ['-v'], /nginx\/(\S+)/),
  async start(setup: PeerSetup) {
    const [port] = await freePorts(1);
    const upstream = `  upstream backend {
    server ${setup.backend};
    keepalive 64;
    keepalive_requests 1000000;
  }`;
    const server = `    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }`;
    return startNginx(setup.dir, nginxConfig(setup.dir, server, upstream), setup.cpu, `http://127.0.0.1:${port}/`);
  },
};
