// Runs a real `weft control-plane` child process on port 0 with a data directory, waits until
// its REST API answers, and runs real `weft` CLI commands against it.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface RunningControlPlane {
  readonly child: ChildProcess;
  readonly url: string;
  /** The ADS port (the helper passes --xds-port 0 unless `args` name one). */
  readonly xdsPort: number;
  /** The identity service's TLS port (renewals), from its log line; 0 when off or not logged yet. */
  identityTlsPort(): number;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function tempDir(prefix = 'weft-cp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `dataDir` is not passed when `args` include --in-memory. */
export async function startControlPlane(dataDir: string, args: string[] = []): Promise<RunningControlPlane> {
  const addressFile = join(tempDir('weft-cp-addr-'), 'api-address');
  const xdsArgs = args.includes('--xds-port') ? [] : ['--xds-port', '0'];
  // 15012 is fixed by default: parallel tests each take a free TLS port instead.
  if (!args.includes('--identity-tls-port') && !args.includes('--in-memory')) xdsArgs.push('--identity-tls-port', '0');
  const child = spawn(process.execPath, [MAIN, 'control-plane', ...(args.includes('--in-memory') ? [] : ['--data-dir', dataDir]), '--api-port', '0', '--api-address-path', addressFile, ...xdsArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  let url = '';
  while (Date.now() < deadline && child.exitCode === null) {
    if (existsSync(addressFile)) {
      const text = readFileSync(addressFile, 'utf8').trim();
      const candidate = `http://${text}`;
      const ok = await fetch(`${candidate}/healthz`).then((r) => r.ok, () => false);
      if (ok) {
        url = candidate;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`control plane did not start (exit ${child.exitCode}):\n${out}`);
  }
  rmSync(addressFile, { force: true });
  // The xDS line is logged right after the REST API's.
  while (!/xDS \(ADS\): \S+:\d+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const xdsPort = Number(/xDS \(ADS\): \S+:(\d+)/.exec(out)?.[1] ?? 0);
  return {
    child,
    url,
    xdsPort,
    identityTlsPort: () => Number(/identity: .*TLS [\d.]+:(\d+)/.exec(out)?.[1] ?? 0),
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `weft ARGS` (with WEFT_SERVER set to `server`), optionally feeding `stdin`. */
export function weft(server: string, args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, WEFT_SERVER: server }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}
