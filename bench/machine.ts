// What a result was measured on: CPU, cores, kernel, Node and every tool's version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { Pinning } from './proc.ts';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly kernel: string;
  readonly os: string;
  readonly memoryGiB: number;
  readonly node: string;
  /** undefined when CPUs could not be pinned (figures are then noisier). */
  readonly pinning: Pinning | undefined;
  /** Peer and load-tool versions, by name. */
  readonly versions: Readonly<Record<string, string>>;
}

/** Version of an npm package in the repo's node_modules; undefined when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    const file = join(import.meta.dirname, '..', 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(pinning: Pinning | undefined, versions: Readonly<Record<string, string>>): Machine {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    kernel: release(),
    os: osName(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    pinning,
    versions,
  };
}

/** One line for the top of the output. */
export function machineLine(m: Machine): string {
  const pin = m.pinning ? `proxy on CPU ${m.pinning.proxy}, load + backend on CPU ${m.pinning.load}` : 'not pinned';
  return `${m.cpuModel} × ${m.cores}, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}, Node ${m.node}; ${pin}`;
}
