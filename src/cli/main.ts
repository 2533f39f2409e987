// `weft <command>`: dispatches to one module per command. Errors are printed once, here.
import { isWeftError } from '../core/errors.ts';

interface Command {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  proxy: async () => (await import('./proxy.ts')).command,
  'control-plane': async () => (await import('./control-plane.ts')).command,
  apply: async () => (await import('./apply.ts')).command,
  get: async () => (await import('./get.ts')).command,
  delete: async () => (await import('./delete.ts')).command,
  status: async () => (await import('./status.ts')).command,
  up: async () => (await import('./up.ts')).command,
  token: async () => (await import('./token.ts')).command,
  identity: async () => (await import('./identity.ts')).command,
  check: async () => (await import('./check.ts')).command,
  ca: async () => (await import('./ca.ts')).command,
};

function usage(): string {
  const lines = ['Usage: weft <command> [options]', '', 'Commands:'];
  lines.push('  proxy          run the sidecar proxy from an Envoy bootstrap (weft proxy --help)');
  lines.push('  control-plane  run the control plane: store and REST API (weft control-plane --help)');
  lines.push('  apply          create or update resources from YAML/JSON files (weft apply -f FILE|DIR|-)');
  lines.push('  get            show resources (weft get KIND [NAME] [-n NS | -A] [-o yaml|json|wide])');
  lines.push('  delete         delete resources (weft delete KIND NAME | -f FILE)');
  lines.push('  up             control plane (and with --demo a demo mesh with traffic) in one command');
  lines.push('  status         show the proxies connected over xDS and their NACKs (weft status)');
  lines.push('  token          create or revoke workload tokens (weft token --help)');
  lines.push('  identity       show the trust anchors, issuer and workload certificates (weft identity --help)');
  lines.push('  check          check the mesh: control plane, identity, mTLS, proxies, policy (weft check --help)');
  lines.push('  ca             show the mesh CA, rotate its root (weft ca status | weft ca rotate prepare|activate|finish)');
  lines.push('  version        print the version');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    const { weftVersion } = await import('../core/version.ts');
    console.log(`weft ${weftVersion()} (node ${process.version})`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    console.error(`weft: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (isUsageError(err)) {
      console.error(`weft: ${err.message} (see weft ${process.argv[2] ?? ''} --help)`);
      process.exitCode = 2;
      return;
    }
    if (isWeftError(err)) console.error(`weft: error ${err.code}: ${err.message}`);
    else console.error('weft: unexpected error (please report it):', err);
    process.exitCode = isWeftError(err) && err.code === 'WEFT_USAGE' ? 2 : 1;
    // A command that failed after it started serving (listeners, timers) would otherwise keep the
    // process alive; the grace lets stderr drain. Unref'd: a process with nothing left exits at once.
    setTimeout(() => process.exit(), 200).unref();
  },
);

/** util.parseArgs reports unknown or malformed flags with ERR_PARSE_ARGS_* codes. */
function isUsageError(err: unknown): err is Error {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
