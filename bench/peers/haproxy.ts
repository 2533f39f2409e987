// HAProxy, the reference peer: one thread, HTTP mode, backend connections always reused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../net.ts';
import { findCommand } from '../proc.ts';
import { launch, probeVersion } from './launch.ts';
import type { Peer, PeerSetup } from './types.ts';

export const haproxy: Peer = {
  id: 'haproxy',
  label: 'HAProxy',
  probe: () => probeVersion('haproxy', ['-v'], /version (\S+)/),
  async start(setup: PeerSetup) {
    const [port] = await freePorts(1);
    const file = join(setup.dir, 'haproxy.cfg');
    // No `log` lines: like the other native peers, HAProxy runs without access logs.
    writeFileSync(file, `global
  nbthread 1
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend bench
  bind 127.0.0.1:${port}
  default_backend origin

backend origin
  server backend ${setup.backend}
`);
    return launch({
      command: findCommand('haproxy') ?? 'haproxy',
      args: ['-db', '-f', file], // -db: foreground, no daemon, so the pid we hold is the proxy
      cpu: setup.cpu,
      readyUrl: `http://127.0.0.1:${port}/`,
      url: `http://127.0.0.1:${port}/`,
    });
  },
};
