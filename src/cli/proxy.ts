// `weft proxy`: run the sidecar proxy from an Envoy bootstrap (Envoy's own flag names).
import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProxy } from '../proxy/index.ts';
import { loadWorkload, universalBootstrap } from './universal-bootstrap.ts';

const HELP = `Usage: weft proxy --bootstrap FILE [options]
       weft proxy --workload FILE [--control-plane HOST:PORT] [options]

Runs the sidecar proxy described by an Envoy bootstrap v3 document (YAML or JSON), or, in
universal mode, for the Workload in FILE: it builds its own bootstrap, follows the control
plane over ADS and registers the Workload there (removed when the proxy goes away).

Options:
  -c, --bootstrap FILE          the bootstrap (Envoy's -c / --config-path also work)
      --workload FILE           universal mode: a Workload (weft.dev/v1alpha1) YAML
      --control-plane HOST:PORT the control plane's xDS address (default 127.0.0.1:15010)
      --admin-port N            universal mode: admin API port on 127.0.0.1 (default 15000)
      --inbound-port N          universal mode: inbound listener port (default 15006)
      --outbound-port N         universal mode: outbound listener port on 127.0.0.1 (default 15001)
      --node-id ID              universal mode: xDS node id (default NAME.NAMESPACE)
      --admin-address-path FILE write the admin API's bound address here once it listens
      --drain-time-s N          on SIGTERM, how long in-flight requests may finish (default 15)
  -h, --help                    this text

Signals: SIGTERM / SIGINT drain gracefully, then exit; POST /quitquitquit on the admin API does the same.`;

export const command = {
  summary: 'run the sidecar proxy from an Envoy bootstrap',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        bootstrap: { type: 'string', short: 'c' },
        'config-path': { type: 'string' },
        'admin-address-path': { type: 'string' },
        'drain-time-s': { type: 'string' },
        workload: { type: 'string' },
        'control-plane': { type: 'string' },
        'admin-port': { type: 'string' },
        'inbound-port': { type: 'string' },
        'outbound-port': { type: 'string' },
        'node-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    let bootstrap = values.bootstrap ?? values['config-path'];
    let generatedDir: string | undefined;
    if (bootstrap !== undefined && values.workload !== undefined) throw new WeftError('WEFT_USAGE', 'use --bootstrap FILE or --workload FILE, not both');
    if (values.workload !== undefined) {
      const port = (flag: string, v: string | undefined, dflt: number) => {
        const n = v === undefined ? dflt : Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new WeftError('WEFT_USAGE', `${flag} takes a port number, got "${v}"`);
        return n;
      };
      const doc = universalBootstrap(loadWorkload(values.workload), {
        workloadFile: values.workload,
        controlPlane: values['control-plane'] ?? '127.0.0.1:15010',
        adminPort: port('--admin-port', values['admin-port'], 15000),
        inboundPort: port('--inbound-port', values['inbound-port'], 15006),
        outboundPort: port('--outbound-port', values['outbound-port'], 15001),
        ...(values['node-id'] ? { nodeId: values['node-id'] } : {}),
      });
      generatedDir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
      bootstrap = join(generatedDir, 'bootstrap.json');
      writeFileSync(bootstrap, JSON.stringify(doc, null, 2));
    }
    if (bootstrap === undefined) throw new WeftError('WEFT_USAGE', `--bootstrap FILE or --workload FILE is required\n\n${HELP}`);
    const drainTime = Number(values['drain-time-s'] ?? '15');
    if (!Number.isFinite(drainTime) || drainTime < 0) {
      throw new WeftError('WEFT_USAGE', `--drain-time-s takes a number of seconds, got "${values['drain-time-s']}"`);
    }
    const code = await runProxy({ bootstrapPath: bootstrap, adminAddressPath: values['admin-address-path'], drainTimeMs: drainTime * 1000 });
    if (generatedDir !== undefined) rmSync(generatedDir, { recursive: true, force: true });
    // Everything was drained, closed and flushed; a handle still open (a peer that never
    // closes) must not keep a sidecar alive past its drain time.
    process.exit(code);
  },
};
