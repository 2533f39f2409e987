// Weft's sidecar proxy under test, configured by an Envoy v3 bootstrap that the bench writes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { stringify } from 'yaml';
import { freePorts } from '../net.ts';
import { launch } from './launch.ts';
import type { Peer, PeerSetup, Probe } from './types.ts';

const root = join(import.meta.dirname, '..', '..');

/**
 * How the bench starts Weft, run from the repo root; `{bootstrap}` becomes the generated
 * bootstrap file. Change it here when the CLI changes.
 */
export const WEFT_COMMAND: readonly string[] = ['node_modules/.bin/node', 'src/cli/main.ts', 'proxy', '--bootstrap', '{bootstrap}'];

const socket = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });

/**
 * One listener with routing and access logs on (the cost a real sidecar pays), one STATIC
 * cluster pointing at the backend.
 */
export function weftBootstrap(adminPort: number, listenerPort: number, backend: string): unknown {
  const [host, port] = backend.split(':');
  return {
    admin: { address: socket(adminPort) },
    static_resources: {
      listeners: [{
        name: 'bench',
        address: socket(listenerPort),
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'bench',
              route_config: {
                name: 'bench',
                virtual_hosts: [{
                  name: 'all',
                  domains: ['*'],
                  routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }],
                }],
              },
              http_filters: [{
                name: 'envoy.filters.http.router',
                typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
              }],
              access_log: [{
                name: 'envoy.access_loggers.stdout',
                typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog' },
              }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'backend',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: {
          cluster_name: 'backend',
          endpoints: [{
            lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } } }],
          }],
        },
      }],
    },
  };
}

function weftVersion(): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    return `${version} (${rev})`;
  } catch {
    return version;
  }
}

export const weft: Peer = {
  id: 'weft',
  label: 'Weft',
  // Weft is this repo, so always "installed"; whether it starts is for start() to find out.
  probe: (): Promise<Probe> => Promise.resolve({ installed: true, version: weftVersion() }),
  async start(setup: PeerSetup) {
    const [adminPort, port] = await freePorts(2);
    const file = join(setup.dir, 'bootstrap.yaml');
    writeFileSync(file, stringify(weftBootstrap(adminPort, port, setup.backend)));
    const [command, ...args] = WEFT_COMMAND.map((part) => part.replaceAll('{bootstrap}', file));
    return launch({
      command: command.includes('/') && !isAbsolute(command) ? join(root, command) : command,
      args,
      cpu: setup.cpu,
      cwd: root,
      readyUrl: `http://127.0.0.1:${adminPort}/ready`,
      url: `http://127.0.0.1:${port}/`,
    });
  },
};
