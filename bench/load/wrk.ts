// Saturation load with wrk (closed loop, -t1 -c64): runs it pinned and parses its report.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { collectOutput, findCommand, spawnGroup } from '../proc.ts';

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Closed-loop latency (wrk's own clock, not coordinated-omission corrected), ms. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    /** Needs wrk-report.lua; undefined when wrk ran without it. */
    readonly p999: number | undefined;
    readonly max: number;
  };
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  readonly errors: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** "1.23ms", "456.00us", "2.00s", "1.00m" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`unrecognised wrk duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Parses wrk's stdout (with --latency, optionally with wrk-report.lua's extra line). */
export function parseWrk(stdout: string): WrkResult {
  const summary = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(stdout);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(stdout);
  if (!summary || !rps) throw new Error(`wrk output has no summary:\n${stdout.slice(0, 2000)}`);

  // --latency's distribution: "     50%    1.10ms"
  const dist = new Map<string, number>();
  for (const m of stdout.matchAll(/^\s+(\d+(?:\.\d+)?)%\s+([\d.]+\w+)\s*$/gm)) dist.set(m[1], parseDuration(m[2]));
  const maxMatch = /^\s+Latency\s+\S+\s+\S+\s+(\S+)/m.exec(stdout);

  // wrk-report.lua: "weft-bench latency_us p50=215.0 p90=276.0 p99=494.0 p99.9=1600.0 max=2281.0 mean=209.3"
  const lua = new Map<string, number>();
  const luaLine = /^weft-bench latency_us (.*)$/m.exec(stdout);
  for (const pair of luaLine?.[1].trim().split(/\s+/) ?? []) {
    const [key, value] = pair.split('=');
    lua.set(key, Number(value) / 1000);
  }
  const pick = (luaKey: string, distKey: string): number => {
    const value = lua.get(luaKey) ?? dist.get(distKey);
    if (value === undefined) throw new Error(`wrk output lacks the ${distKey}% latency (was --latency given?)`);
    return value;
  };

  const socket = /^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(stdout);
  const non2xx = /^\s+Non-2xx or 3xx responses: (\d+)/m.exec(stdout);
  const errors = (socket ? socket.slice(1, 5).reduce((a, n) => a + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);

  return {
    requests: Number(summary[1]),
    seconds: parseDuration(summary[2]) / 1000,
    rps: Number(rps[1]),
    latencyMs: {
      p50: pick('p50', '50'),
      p90: pick('p90', '90'),
      p99: pick('p99', '99'),
      p999: lua.get('p99.9'),
      max: lua.get('max') ?? (maxMatch ? parseDuration(maxMatch[1]) : Number.NaN),
    },
    errors,
  };
}

const NOT_INSTALLED = 'wrk is not installed: run scripts/install-system-deps.sh as root';

/** wrk's version line; throws when wrk is missing, since nothing can be measured without it. */
export function wrkVersionOrThrow(): string {
  const wrk = findCommand('wrk');
  if (wrk === undefined) throw new Error(NOT_INSTALLED);
  // `wrk -v` prints its version, then exits non-zero.
  const result = spawnSync(wrk, ['-v'], { encoding: 'utf8', timeout: 5000 });
  return /wrk \S+/.exec(`${result.stdout}${result.stderr}`)?.[0] ?? 'wrk (unknown version)';
}

export interface WrkOptions {
  readonly seconds: number;
  readonly connections?: number;
  readonly cpu: number | undefined;
}

/** Runs `wrk -t1 -c64 -d<s>s --latency` against `url`; killed if it overruns by 15 s. */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const wrk = findCommand('wrk');
  if (wrk === undefined) throw new Error(NOT_INSTALLED);
  const args = [
    '-t1', `-c${options.connections ?? 64}`, `-d${options.seconds}s`, '--latency',
    '-s', join(import.meta.dirname, 'wrk-report.lua'), url,
  ];
  const child = spawnGroup(wrk, args, { cpu: options.cpu });
  const output = collectOutput(child);
  const watchdog = setTimeout(() => void child.stop(), (options.seconds + 15) * 1000);
  const code = await child.exited;
  clearTimeout(watchdog);
  if (code !== 0) throw new Error(`wrk exited (${code}): ${output.stderr().trim() || output.stdout().trim()}`);
  return parseWrk(output.stdout());
}
