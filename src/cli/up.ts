// `weft up [--demo]`: the control plane in this process and, with --demo, a small mesh — three
// apps, each with a `weft proxy --workload` sidecar, and steady traffic through them — so a
// newcomer sees the mesh work with one command. Ctrl-C stops everything.

import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { WeftError } from '../core/errors.ts';
import { loadResources, formatProblems } from '../api/index.ts';
import { startControlPlane, meshXdsStarter, DEFAULT_API_PORT, DEFAULT_XDS_PORT, type RunningControlPlane } from '../control/index.ts';
import { re2Checker } from '../control/model/index.ts';
import { DEFAULT_IDENTITY_TLS_PORT, openTokens } from '../control/identity/index.ts';
import { parseTrustDomain } from '../pki/index.ts';
import { DEMO_RESOURCES, DEMO_WORKLOADS, DEMO_NAMESPACE, workloadYaml } from './demo/resources.ts';
import { startBackend, startFrontend, type App } from './demo/apps.ts';
import { numberFlag, portFlag } from './args.ts';
import { checkStoreFlags } from './data-dir.ts';

const MAIN = new URL('./main.ts', import.meta.url).pathname;
const DEFAULT_DATA_DIR = join(homedir(), '.weft', 'up');

const HELP = `Usage: weft up [--demo] [options]

Starts the control plane (store, REST API, xDS) and, with --demo, a demo mesh in namespace
"${DEMO_NAMESPACE}": frontend → backend (v1 and v2, split 90/10 by an HTTPRoute), each app with a
\`weft proxy --workload\` sidecar, and steady traffic. Ctrl-C stops it all. With a data directory
the control plane runs the mesh CA too: each demo sidecar gets a workload token, its certificate,
and talks mTLS to the others (PERMISSIVE until a MeshConfig says STRICT).

Options:
      --demo                 also run the demo mesh and its traffic
      --data-dir DIR         where the store lives (default: ${DEFAULT_DATA_DIR})
      --in-memory            keep state in memory only
      --api-port N           REST API port (default: ${DEFAULT_API_PORT}; 0 picks a free one)
      --xds-port N           xDS (ADS) port (default: ${DEFAULT_XDS_PORT}; 0 picks a free one)
      --identity-tls-port N  identity service over TLS, for renewals (default: ${DEFAULT_IDENTITY_TLS_PORT}; 0 picks a free one)
      --rps N                demo traffic, requests per second (default 10)
  -h, --help                 this text`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Sidecar {
  readonly name: string;
  readonly child: ChildProcess;
  readonly admin: number;
  readonly outbound: number;
}

/** What a demo sidecar needs for mTLS: its token and the identity service's TLS port. */
interface SidecarIdentity {
  readonly token: string;
  readonly tlsPort: number;
}

async function startSidecar(dir: string, name: string, yaml: string, xdsPort: number, identity: SidecarIdentity | null, log: (l: string) => void): Promise<Sidecar> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const identityArgs: string[] = [];
  if (identity !== null) {
    const tokenFile = join(dir, `${name}.token`);
    writeFileSync(tokenFile, identity.token, { mode: 0o600 });
    identityArgs.push('--token-file', tokenFile, '--identity-tls-address', `127.0.0.1:${identity.tlsPort}`);
  }
  const [admin, inbound, outbound] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [
    MAIN, 'proxy', '--workload', file, '--control-plane', `127.0.0.1:${xdsPort}`, '--drain-time-s', '1',
    '--admin-port', String(admin), '--inbound-port', String(inbound), '--outbound-port', String(outbound), ...identityArgs,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { for (const line of d.split('\n')) if (line.trim()) log(`[${name}] ${line}`); });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await fetch(`http://127.0.0.1:${admin}/ready`).then((r) => r.status === 200, () => false);
    if (ready) return { name, child, admin, outbound };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new WeftError('WEFT_IO', `the sidecar of ${name} did not become ready within 20 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Steady traffic from loadgen's sidecar to frontend; one summary line every 5 s. */
function startTraffic(outbound: number, rps: number, log: (l: string) => void): () => void {
  const agent = new http.Agent({ keepAlive: true });
  let counts: Record<string, number> = {};
  const count = (k: string) => { counts[k] = (counts[k] ?? 0) + 1; };
  const tick = setInterval(() => {
    const req = http.request({ host: '127.0.0.1', port: outbound, path: '/', headers: { host: `frontend.${DEMO_NAMESPACE}` }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return count(`failed (${res.statusCode} ${res.headers['x-weft-error'] ?? ''})`.replace(' )', ')'));
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { backend: string };
          count(`backend-${(JSON.parse(body.backend) as { version: string }).version}`);
        } catch {
          count('failed (bad answer)');
        }
      });
    });
    req.on('error', () => count('failed (connection)'));
    req.end();
  }, Math.max(1, Math.round(1000 / rps)));
  const report = setInterval(() => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    log(`traffic: ${total} requests in 5s — ${Object.entries(counts).sort().map(([k, v]) => `${k}: ${v}`).join(', ') || 'none answered'}`);
    counts = {};
  }, 5000);
  return () => {
    clearInterval(tick);
    clearInterval(report);
    agent.destroy();
  };
}

export const command = {
  summary: 'run the control plane (and a demo mesh) in one command',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        demo: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'api-port': { type: 'string' },
        'xds-port': { type: 'string' },
        'identity-tls-port': { type: 'string' },
        rps: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    checkStoreFlags(values, ['identity-tls-port']);
    const rps = numberFlag('--rps', values.rps, 10, 1000);
    const log = (line: string) => console.log(`weft up: ${line}`);
    const stops: (() => Promise<void> | void)[] = [];
    const stopAll = async () => {
      for (const s of stops.splice(0).reverse()) await s();
    };
    let stopping: (signal: string) => void = () => {};
    const stopped = new Promise<string>((resolve) => { stopping = resolve; });
    process.once('SIGINT', () => stopping('SIGINT'));
    process.once('SIGTERM', () => stopping('SIGTERM'));
    const dataDir = values['in-memory'] ? undefined : values['data-dir'] ?? DEFAULT_DATA_DIR;
    try {
      const cp: RunningControlPlane = await startControlPlane({
        dataDir,
        inMemory: values['in-memory'] === true,
        apiAddress: '127.0.0.1',
        apiPort: portFlag('--api-port', values['api-port'], DEFAULT_API_PORT),
        xdsAddress: '127.0.0.1',
        xdsPort: portFlag('--xds-port', values['xds-port'], DEFAULT_XDS_PORT),
        log,
      }, meshXdsStarter(dataDir === undefined ? {} : {
        identity: { dataDir, tlsPort: portFlag('--identity-tls-port', values['identity-tls-port'], DEFAULT_IDENTITY_TLS_PORT) },
      }));
      stops.push(() => cp.close());
      const server = `http://127.0.0.1:${cp.apiPort}`;
      if (values.demo) {
        const loaded = loadResources(DEMO_RESOURCES, 'demo', { regex: re2Checker });
        if (!loaded.ok) throw new WeftError('WEFT_INTERNAL', `the demo resources are invalid: ${formatProblems(loaded.problems, loaded.total)}`);
        await cp.store.apply(loaded.resources);
        const dir = mkdtempSync(join(tmpdir(), 'weft-up-'));
        stops.push(() => rmSync(dir, { recursive: true, force: true }));
        const apps: Record<string, App> = {};
        let frontendOutbound = 0;
        apps['frontend-1'] = await startFrontend(() => frontendOutbound);
        apps['backend-v1-1'] = await startBackend('v1');
        apps['backend-v2-1'] = await startBackend('v2');
        for (const app of Object.values(apps)) stops.push(() => app.close());
        const sidecars: Sidecar[] = [];
        stops.push(() => Promise.all(sidecars.map((s) => stopChild(s.child))).then(() => {}));
        const served = cp.served;
        // One token per sidecar, as an operator would mint them (weft token create); single-use.
        const tokens = dataDir !== undefined && served?.tlsPort !== undefined ? await openTokens(dataDir, parseTrustDomain(served.trustDomain)) : null;
        log(tokens === null ? 'mTLS: off (the identity service needs a data directory; without --in-memory the demo runs mTLS)' : `mTLS: each sidecar gets a certificate for spiffe://${served!.trustDomain}/ns/${DEMO_NAMESPACE}/sa/<app>`);
        for (const w of DEMO_WORKLOADS) {
          const identity = tokens === null ? null : {
            token: tokens.mint({ namespace: DEMO_NAMESPACE, serviceAccount: w.serviceAccount, ttlMs: 3_600_000 }).token,
            tlsPort: served!.tlsPort!,
          };
          const sc = await startSidecar(dir, w.name, workloadYaml(w.name, w.labels, apps[w.name]?.port, w.serviceAccount), cp.xdsPort!, identity, log);
          sidecars.push(sc);
          log(`sidecar of ${DEMO_NAMESPACE}/${w.name}: admin http://127.0.0.1:${sc.admin}, outbound 127.0.0.1:${sc.outbound}${apps[w.name] ? `, app on ${apps[w.name].port}` : ''}`);
          if (w.name === 'frontend-1') frontendOutbound = sc.outbound;
        }
        const loadgen = sidecars.find((s) => s.name === 'loadgen-1')!;
        stops.push(startTraffic(loadgen.outbound, rps, log));
        log(`demo running: ${rps} requests/s → frontend → backend (90/10 v1/v2). Try:`);
        log(`  WEFT_SERVER=${server} npm run weft -- get httproutes -n ${DEMO_NAMESPACE} -o yaml`);
        log(`  WEFT_SERVER=${server} npm run weft -- status`);
        log(`  curl -H 'Host: frontend.${DEMO_NAMESPACE}' -H 'x-canary: true' http://127.0.0.1:${loadgen.outbound}/`);
        if (tokens !== null) {
          const frontend = sidecars.find((s) => s.name === 'frontend-1')!;
          log(`  curl http://127.0.0.1:${frontend.admin}/certs    # the frontend sidecar's SPIFFE certificate`);
        }
      }
      log('ready (Ctrl-C stops everything)');
      const signal = await stopped;
      log(`${signal}: stopping`);
      await stopAll();
      return 0;
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
