// `weft proxy`: run the sidecar proxy from an Envoy bootstrap (Envoy's own flag names).
import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProxy } from '../proxy/index.ts';
import { hostPort, loadWorkload, universalBootstrap } from './universal-bootstrap.ts';
import { readTokenFile, tokenIdentity } from './workload-token.ts';
import { DEFAULT_IDENTITY_TLS_PORT } from '../control/identity/index.ts';
import { portFlag } from './args.ts';

const HELP = `Usage: weft proxy --bootstrap FILE [options]
       weft proxy --workload FILE --token-file FILE [--control-plane HOST:PORT] [options]

Runs the sidecar proxy described by an Envoy bootstrap v3 document (YAML or JSON), or, in
universal mode, for the Workload in FILE: it builds its own bootstrap, follows the control
plane over ADS and registers the Workload there (removed when the proxy goes away). With a
workload token it first gets its certificate (SPIFFE ID spiffe://<trust domain>/ns/<namespace>/
sa/<service account>) from the control plane's identity service, keeps it renewed, and talks
mTLS to the other sidecars; without one it joins the mesh in plaintext.

Options:
  -c, --bootstrap FILE          the bootstrap (Envoy's -c / --config-path also work)
      --workload FILE           universal mode: a Workload (weft.dev/v1alpha1) YAML
      --control-plane HOST:PORT the control plane's xDS address (default 127.0.0.1:15010)
      --admin-port N            universal mode: admin API port on 127.0.0.1 (default 15000)
      --inbound-port N          universal mode: inbound listener port (default 15006)
      --outbound-port N         universal mode: outbound listener port on 127.0.0.1 (default 15001)
      --node-id ID              universal mode: xDS node id (default NAME.NAMESPACE)
      --token-file FILE         universal mode: the workload token (\`weft token create\`); default
                                $WEFT_TOKEN_FILE. Re-read at each certificate request
      --identity-address H:P    universal mode: the identity service, plaintext: the first certificate,
                                by token (default: --control-plane)
      --identity-tls-address H:P universal mode: the identity service over TLS: renewals, by the
                                current certificate (default: the control plane's host, port 15012)
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
        'token-file': { type: 'string' },
        'identity-address': { type: 'string' },
        'identity-tls-address': { type: 'string' },
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
    let identity: Parameters<typeof runProxy>[0]['identity'];
    if (bootstrap !== undefined && values.workload !== undefined) throw new WeftError('WEFT_USAGE', 'use --bootstrap FILE or --workload FILE, not both');
    if (values.workload !== undefined) {
      const workload = loadWorkload(values.workload);
      const controlPlane = values['control-plane'] ?? '127.0.0.1:15010';
      const tokenFile = values['token-file'] ?? process.env.WEFT_TOKEN_FILE;
      if (tokenFile !== undefined) {
        const id = tokenIdentity(readTokenFile(tokenFile), workload, tokenFile);
        const cpHost = hostPort(controlPlane).host;
        const tlsAddress = values['identity-tls-address'] ?? `${cpHost.includes(':') ? `[${cpHost}]` : cpHost}:${DEFAULT_IDENTITY_TLS_PORT}`;
        hostPort(tlsAddress, '--identity-tls-address');
        const plaintextAddress = values['identity-address'] ?? controlPlane;
        hostPort(plaintextAddress, '--identity-address');
        identity = { identity: id, token: () => readTokenFile(tokenFile), plaintextAddress, tlsAddress };
      } else if (values['identity-address'] !== undefined || values['identity-tls-address'] !== undefined) {
        throw new WeftError('WEFT_USAGE', '--identity-address and --identity-tls-address need --token-file: the token proves the identity the certificate is for');
      }
      const doc = universalBootstrap(workload, {
        workloadFile: values.workload,
        controlPlane,
        ...(identity ? { identity: identity.identity.id } : {}),
        adminPort: portFlag('--admin-port', values['admin-port'], 15000),
        inboundPort: portFlag('--inbound-port', values['inbound-port'], 15006),
        outboundPort: portFlag('--outbound-port', values['outbound-port'], 15001),
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
    if (bootstrap !== undefined && values.workload === undefined && values['token-file'] !== undefined) {
      throw new WeftError('WEFT_USAGE', '--token-file goes with --workload (universal mode); with --bootstrap, name the certificates in the bootstrap');
    }
    const code = await runProxy({ bootstrapPath: bootstrap, adminAddressPath: values['admin-address-path'], drainTimeMs: drainTime * 1000, ...(identity ? { identity } : {}) });
    if (generatedDir !== undefined) rmSync(generatedDir, { recursive: true, force: true });
    // Everything was drained, closed and flushed; a handle still open (a peer that never
    // closes) must not keep a sidecar alive past its drain time.
    process.exit(code);
  },
};
