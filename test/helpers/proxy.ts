// Runs a real `weft proxy` child process on a bootstrap written to a temp file, waits until
// its admin API says LIVE, and tells the test which ports its listeners bound.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface RunningProxy {
  readonly child: ChildProcess;
  readonly adminPort: number;
  /** Bound port of each listener, by name. */
  readonly ports: Record<string, number>;
  /** Everything the proxy wrote to stdout (access log lines) and stderr so far. */
  stdout(): string;
  stderr(): string;
  accessLog(): Record<string, unknown>[];
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ProxyOptions {
  args?: string[];
  /** Universal mode: run `weft proxy --workload FILE` (the bootstrap argument is then unused). */
  workload?: string;
  /** Fails the start instead of waiting for LIVE (for tests of bad configs). */
  expectFailure?: boolean;
}

export async function startProxy(bootstrap: object | string, options: ProxyOptions = {}): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-test-'));
  const file = join(dir, typeof bootstrap === 'string' ? 'bootstrap.yaml' : 'bootstrap.yaml');
  writeFileSync(file, typeof bootstrap === 'string' ? bootstrap : stringify(bootstrap));
  const addressFile = join(dir, 'admin-address');
  const child = spawn(process.execPath, [MAIN, 'proxy', ...(options.workload ? ['--workload', options.workload] : ['--bootstrap', file]), '--admin-address-path', addressFile, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  let adminPort = 0;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (existsSync(addressFile)) {
      const text = readFileSync(addressFile, 'utf8').trim();
      if (text) {
        adminPort = Number(text.split(':').pop());
        const ready = await fetch(`http://127.0.0.1:${adminPort}/ready`).catch(() => null);
        if (ready?.status === 200) break;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (options.expectFailure) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  } else if (child.exitCode !== null || adminPort === 0) {
    child.kill('SIGKILL');
    throw new Error(`proxy did not become ready (exit ${child.exitCode}):\n${err}`);
  }
  const ports: Record<string, number> = {};
  if (adminPort !== 0 && child.exitCode === null) {
    const listeners = (await (await fetch(`http://127.0.0.1:${adminPort}/listeners?format=json`)).json()) as {
      listener_statuses: { name: string; local_address: { socket_address: { port_value: number } } }[];
    };
    for (const l of listeners.listener_statuses) ports[l.name] = l.local_address.socket_address.port_value;
  }
  return {
    child,
    adminPort,
    ports,
    stdout: () => out,
    stderr: () => err,
    accessLog: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    admin: (path, init) => fetch(`http://127.0.0.1:${adminPort}${path}`, init),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      // A drain lasts at most 15 s (--drain-time-s); a proxy still running well after that is a bug
      // to report, not a reason for the test run to hang.
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(r, 25_000, 'hung').unref())]);
      if (code === 'hung') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`weft proxy did not exit within 25 s of ${signal}:\n${err.slice(-2000)}`);
      }
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls until `check` returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
