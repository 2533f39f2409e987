// `weft control-plane`: the store and the REST API (and, once it lands, the xDS server) in one process.

import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { startControlPlane, meshXdsStarter, DEFAULT_API_PORT, DEFAULT_XDS_PORT } from '../control/index.ts';
import { DEFAULT_DATA_DIR } from './data-dir.ts';

const HELP = `Usage: weft control-plane [options]

Runs the control plane: a durable store of resources (node:sqlite in --data-dir) and the REST
API that \`weft apply\`, \`weft get\` and \`weft delete\` talk to.

Options:
      --data-dir DIR           where the store lives (default: ${DEFAULT_DATA_DIR})
      --in-memory              keep state in memory only; it is lost on exit
      --api-address ADDR       REST API address (default: 127.0.0.1)
      --api-port N             REST API port (default: ${DEFAULT_API_PORT}; 0 picks a free one)
      --api-address-path FILE  write the REST API's bound address:port here once it listens
      --xds-address ADDR       xDS (ADS) address (default: 127.0.0.1)
      --xds-port N             xDS (ADS) port (default: ${DEFAULT_XDS_PORT})
  -h, --help                   this text

Signals: SIGTERM / SIGINT close the API and the store, then exit.`;

function port(flag: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new WeftError('WEFT_USAGE', `${flag} takes a port number (0-65535), got "${value}"`);
  return n;
}

export const command = {
  summary: 'run the control plane (store + REST API)',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'api-address': { type: 'string' },
        'api-port': { type: 'string' },
        'api-address-path': { type: 'string' },
        'xds-address': { type: 'string' },
        'xds-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values['in-memory'] && values['data-dir'] !== undefined) throw new WeftError('WEFT_USAGE', 'use --data-dir DIR or --in-memory, not both');
    const log = (line: string) => console.log(`weft control-plane: ${line}`);
    const cp = await startControlPlane({
      dataDir: values['in-memory'] ? undefined : values['data-dir'] ?? DEFAULT_DATA_DIR,
      inMemory: values['in-memory'] === true,
      apiAddress: values['api-address'] ?? '127.0.0.1',
      apiPort: port('--api-port', values['api-port'], DEFAULT_API_PORT),
      apiAddressPath: values['api-address-path'],
      xdsAddress: values['xds-address'] ?? '127.0.0.1',
      xdsPort: port('--xds-port', values['xds-port'], DEFAULT_XDS_PORT),
      log,
    }, meshXdsStarter());
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`${signal}: shutting down`);
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await cp.close();
    return 0;
  },
};
