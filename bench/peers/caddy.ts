// Caddy, the Go peer: reverse_proxy with its default upstream keep-alive, GOMAXPROCS=1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../net.ts';
import { findCommand } from '../proc.ts';
import { launch, probeVersion } from './launch.ts';
import type { Peer, PeerSetup } from './types.ts';

export const caddy: Peer = {
  id: 'caddy',
  label: 'Caddy',
  probe: () => probeVersion('caddy', ['version'], /v?(\d+\.\d+\.\d+\S*)/),
  async start(setup: PeerSetup) {
    const [port] = await freePorts(1);
    const file = join(setup.dir, 'Caddyfile');
    // admin off: its API would take a fixed port (2019); auto_https off: plain HTTP on loopback.
    writeFileSync(file, `{
\tadmin off
\tauto_https off
}

http://127.0.0.1:${port} {
\treverse_proxy ${setup.backend}
}
`);
    return launch({
      command: findCommand('caddy') ?? 'caddy',
      args: ['run', '--config', file, '--adapter', 'caddyfile'],
      cpu: setup.cpu,
      // Caddy keeps state under $HOME / XDG dirs; point them at the temp dir.
      env: {
        ...process.env,
        GOMAXPROCS: '1',
        HOME: setup.dir,
        XDG_DATA_HOME: join(setup.dir, 'data'),
        XDG_CONFIG_HOME: join(setup.dir, 'config'),
      },
      readyUrl: `http://127.0.0.1:${port}/`,
      url: `http://127.0.0.1:${port}/`,
    });
  },
};
