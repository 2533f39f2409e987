// `weft control-plane`: the store and the REST API (and, once it lands, the xDS server) in one process.

import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { startControlPlane, meshXdsStarter, DEFAULT_API_PORT, DEFAULT_XDS_PORT } from '../control/index.ts';
import { DEFAULT_IDENTITY_TLS_PORT } from '../control/identity/index.ts';
import { checkStoreFlags, DEFAULT_DATA_DIR } from './data-dir.ts';
import { portFlag } from './args.ts';

const HELP = `Usage: weft control-plane [options]

Runs the control plane: a durable store of resources (node:sqlite in --data-dir), the REST
API that \`weft apply\`, \`weft get\` and \`weft delete\` talk to, the xDS (ADS) server, and the
identity service (the mesh CA in --data-dir/ca, tokens from \`weft token create\`). With
--in-memory the identity service is off (it needs a data directory for its CA and tokens).

Options:
      --data-dir DIR           where the store lives (default: ${DEFAULT_DATA_DIR})
      --in-memory              keep state in memory only; it is lost on exit
      --api-address ADDR       REST API address (default: 127.0.0.1)
      --api-port N             REST API port (default: ${DEFAULT_API_PORT}; 0 picks a free one)
      --api-address-path FILE  write the REST API's bound address:port here once it listens
      --xds-address ADDR       xDS (ADS) address (default: 127.0.0.1)
      --xds-port N             xDS (ADS) port, plaintext; also serves the identity service (default: ${DEFAULT_XDS_PORT})
      --identity-tls-port N    identity service over TLS, for renewals (default: ${DEFAULT_IDENTITY_TLS_PORT}; 0 picks a free one; off disables)
      --trust-domain TD        SPIFFE trust domain (default: a stored MeshConfig's trustDomain, else cluster.local)
      --ca-cert FILE           bring your own CA: the issuer certificate (then intermediates) as PEM
      --ca-key FILE            the issuer's ECDSA P-256 private key (PEM); with --ca-cert
      --ca-roots FILE          the trust anchors (PEM); default: self-signed certificates at the end of --ca-cert
  -h, --help                   this text

Signals: SIGTERM / SIGINT close the API and the store, then exit.`;

export const command = {
  summary: 'run the control plane (store, REST API, xDS, identity service)',
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
        'identity-tls-port': { type: 'string' },
        'trust-domain': { type: 'string' },
        'ca-cert': { type: 'string' },
        'ca-key': { type: 'string' },
        'ca-roots': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    checkStoreFlags(values, ['identity-tls-port', 'trust-domain', 'ca-cert', 'ca-key', 'ca-roots']);
    if ((values['ca-cert'] === undefined) !== (values['ca-key'] === undefined)) throw new WeftError('WEFT_USAGE', 'bring your own CA with both --ca-cert FILE and --ca-key FILE');
    if (values['ca-roots'] !== undefined && values['ca-cert'] === undefined) throw new WeftError('WEFT_USAGE', '--ca-roots goes with --ca-cert FILE --ca-key FILE');
    const tlsFlag = values['identity-tls-port'];
    const tlsPort = tlsFlag === 'off' ? null : portFlag('--identity-tls-port', tlsFlag, DEFAULT_IDENTITY_TLS_PORT);
    const dataDir = values['in-memory'] ? undefined : values['data-dir'] ?? DEFAULT_DATA_DIR;
    const log = (line: string) => console.log(`weft control-plane: ${line}`);
    if (dataDir === undefined) log('identity: off with --in-memory (the CA and tokens need a data directory)');
    const identity = dataDir === undefined ? undefined : {
      dataDir,
      trustDomain: values['trust-domain'],
      caFiles: values['ca-cert'] === undefined ? undefined : { certFile: values['ca-cert'], keyFile: values['ca-key']!, rootsFile: values['ca-roots'] },
      tlsPort,
    };
    const cp = await startControlPlane({
      dataDir,
      inMemory: values['in-memory'] === true,
      apiAddress: values['api-address'] ?? '127.0.0.1',
      apiPort: portFlag('--api-port', values['api-port'], DEFAULT_API_PORT),
      apiAddressPath: values['api-address-path'],
      xdsAddress: values['xds-address'] ?? '127.0.0.1',
      xdsPort: portFlag('--xds-port', values['xds-port'], DEFAULT_XDS_PORT),
      log,
    }, meshXdsStarter({ identity }));
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
