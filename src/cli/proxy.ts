// `weft proxy`: run the sidecar proxy from an Envoy bootstrap (Envoy's own flag names).
import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { runProxy } from '../proxy/index.ts';

const HELP = `Usage: weft proxy --bootstrap FILE [options]

Runs the sidecar proxy described by an Envoy bootstrap v3 document (YAML or JSON).

Options:
  -c, --bootstrap FILE          the bootstrap (Envoy's -c / --config-path also work)
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
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const bootstrap = values.bootstrap ?? values['config-path'];
    if (bootstrap === undefined) throw new WeftError('WEFT_USAGE', `--bootstrap FILE is required\n\n${HELP}`);
    const drainTime = Number(values['drain-time-s'] ?? '15');
    if (!Number.isFinite(drainTime) || drainTime < 0) {
      throw new WeftError('WEFT_USAGE', `--drain-time-s takes a number of seconds, got "${values['drain-time-s']}"`);
    }
    const code = await runProxy({ bootstrapPath: bootstrap, adminAddressPath: values['admin-address-path'], drainTimeMs: drainTime * 1000 });
    // Everything was drained, closed and flushed; a handle still open (a peer that never
    // closes) must not keep a sidecar alive past its drain time.
    process.exit(code);
  },
};
