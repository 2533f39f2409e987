// Child processes for the bench: CPU pinning, process groups that are always cleaned up, temp
// dirs, and CPU / peak-RSS sampling of a process tree from /proc.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// ---------------------------------------------------------------- pure /proc parsing

export interface StatTimes {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
 * contain spaces or ')', so fields are counted from the *last* ')'.
 * Waited-for children's time (cutime, cstime) is included so that a worker which exits and is
 * reaped between two samples moves its time to its parent instead of losing it.
 */
export function parseStat(line: string): StatTimes {
  const close = line.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const rest = line.slice(close + 2).trim().split(/\s+/);
  if (rest.length < 15) throw new Error(`truncated /proc stat line: ${line.slice(0, 80)}`);
  const field = (n: number): number => Number(rest[n - 3]);
  return { ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

/** VmHWM (peak resident set) from a /proc/<pid>/status text, in KiB; 0 when absent (zombie). */
export function parseVmHwmKiB(status: string): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : 0;
}

/** CPU seconds per 1,000 requests between two tick samples. */
export function cpuSecondsPer1k(beforeTicks: number, afterTicks: number, ticksPerSecond: number, requests: number): number {
  if (requests <= 0) return Number.NaN;
  return ((afterTicks - beforeTicks) / ticksPerSecond / requests) * 1000;
}

/**
 * Ticks one CPU spent running tasks (user, nice, system) or lost to the hypervisor (steal),
 * from /proc/stat's `cpuN` line. Interrupt and softirq time is left out: loopback networking
 * is charged there whichever process caused it, so counting it would make the bench's own
 * traffic look like someone else's load. Guest time is already inside user.
 */
export function parseCpuLine(procStat: string, cpu: number): number {
  const line = procStat.split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  if (line === undefined) throw new Error(`/proc/stat has no cpu${cpu} line`);
  const [user, nice, system, , , , , steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return user + nice + system + (steal ?? 0);
}

/** Root pid plus every descendant, given a pid → ppid map. */
export function descendants(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

// ---------------------------------------------------------------- /proc sampling

let clockTicks: number | undefined;

/** USER_HZ: the unit of /proc stat times (100 on every Linux we target, but ask). */
export function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

function readStat(pid: number): StatTimes | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // exited between readdir and read
  }
}

function processTree(root: number): Map<number, StatTimes> {
  const all = new Map<number, StatTimes>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) all.set(Number(name), stat);
  }
  const parentOf = new Map<number, number>();
  for (const [pid, stat] of all) parentOf.set(pid, stat.ppid);
  const tree = new Map<number, StatTimes>();
  for (const pid of descendants(root, parentOf)) {
    const stat = all.get(pid);
    if (stat) tree.set(pid, stat);
  }
  return tree;
}

/** Total CPU ticks used so far by a process and all its descendants. */
export function treeCpuTicks(root: number): number {
  let sum = 0;
  for (const stat of processTree(root).values()) sum += stat.ticks;
  return sum;
}

/** Task and steal ticks of some CPUs so far, every process included (see parseCpuLine). */
export function cpuBusyTicks(cpus: readonly number[]): number {
  const stat = readFileSync('/proc/stat', 'utf8');
  return cpus.reduce((sum, cpu) => sum + parseCpuLine(stat, cpu), 0);
}

/**
 * Peak RSS of a process tree in MiB: the sum of each process's VmHWM. For multi-process
 * proxies (nginx master + worker) this over-counts shared pages slightly; it is an upper bound.
 */
export function treePeakRssMiB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root).keys()) {
    try {
      kib += parseVmHwmKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      // exited meanwhile
    }
  }
  return kib / 1024;
}

// ---------------------------------------------------------------- pinning

export interface Pinning {
  /** CPU for the proxy under test. */
  readonly proxy: number;
  /** CPU for the load generator and the backend. */
  readonly load: number;
}

/** Pin proxy to CPU 0 and load + backend to CPU 1, when taskset exists and both CPUs are ours. */
export function detectPinning(): Pinning | undefined {
  try {
    const out = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
    const list = out.slice(out.lastIndexOf(':') + 1).trim();
    const allowed = new Set<number>();
    for (const part of list.split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let c = a; c <= (b ?? a); c++) allowed.add(c);
    }
    return allowed.has(0) && allowed.has(1) ? { proxy: 0, load: 1 } : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- process groups

/** Absolute path of `name` on PATH, also looking in the sbin dirs a non-root PATH may lack. */
export function findCommand(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // keep looking
    }
  }
  return undefined;
}


export interface Child {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly cpu?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout handling: 'pipe' to read it, 'ignore' to discard (e.g. access logs). */
  readonly stdout?: 'pipe' | 'ignore';
}

const live = new Set<Child>();
const tempDirs = new Set<string>();

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

/**
 * Spawns `command` as the leader of its own process group (so that workers it forks are
 * stopped with it), optionally pinned with `taskset -c`, which execs in place and so keeps
 * the pid. Every child is tracked until it exits, for cleanup on errors and signals.
 */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const [file, argv] = options.cpu === undefined
    ? [command, [...args]]
    : ['taskset', ['-c', String(options.cpu), command, ...args]];
  const proc = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => {
    proc.on('error', () => resolve('spawn-error'));
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const pid = proc.pid ?? -1;
  const child: Child = {
    pid,
    proc,
    exited,
    async stop(graceMs = 3000) {
      if (pid < 0) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup(pid, 'SIGKILL'); // leftovers in the group (workers that ignored SIGTERM)
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** Collects a child's stdout and stderr as text, keeping at most `limit` chars of stderr. */
export function collectOutput(child: Child, limit = 16_384): { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  child.proc.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s; });
  // Keep draining stderr even past the limit: a full pipe would block a chatty child.
  child.proc.stderr?.setEncoding('utf8').on('data', (s: string) => { if (err.length < limit) err += s; });
  return { stdout: () => out, stderr: () => err };
}

/** A temp dir that is removed on exit, whatever the exit path. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

// ---------------------------------------------------------------- one bench at a time

const LOCK = join(tmpdir(), 'weft-bench.lock');
let lockHeld = false;

function lockOwner(): number | undefined {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    process.kill(pid, 0); // throws when no such process: a stale lock
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to `maxWaitMs`) until no other bench runs on this machine, then holds the lock
 * until exit. Two benches pinned to the same CPUs would wreck each other's figures.
 */
export async function acquireBenchLock(log: (line: string) => void, maxWaitMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(LOCK, `${process.pid}\n`, { flag: 'wx' });
      lockHeld = true;
      return;
    } catch {
      const owner = lockOwner();
      if (owner === undefined) {
        rmSync(LOCK, { force: true }); // its bench died without cleaning up
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another bench (pid ${owner}) is still running; gave up waiting`);
      if (!told) log(`another bench (pid ${owner}) is running on this machine; waiting for it to finish…`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function releaseBenchLock(): void {
  if (lockHeld && lockOwner() === process.pid) rmSync(LOCK, { force: true });
  lockHeld = false;
}

/** Stops every tracked child (gracefully, then SIGKILL) and removes temp dirs. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(1500)));
  releaseFiles();
}

/** Temp dirs and the bench lock: what must not outlive us. */
function releaseFiles(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  releaseBenchLock();
}

/**
 * Cleanup on Ctrl-C, SIGTERM, SIGHUP and any exit path. Children run in their own process
 * groups (so a stray terminal signal cannot stop one mid-measurement), which means nothing
 * else will stop them: we must.
 */
export function installCleanupHandlers(onSignal: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // process.on, not once: under `npm run`, Ctrl-C arrives twice (from the terminal and
    // forwarded by npm), and a second SIGINT with no listener would kill us mid-cleanup.
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      onSignal(signal);
      const code = 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
  // Last resort, synchronous: no graceful stop is possible inside 'exit'.
  process.on('exit', () => {
    for (const child of live) signalGroup(child.pid, 'SIGKILL');
    releaseFiles();
  });
}
