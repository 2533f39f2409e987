// Shared by the peers: read a binary's version, start it pinned and wait until it serves.
import { execFile } from 'node:child_process';
import { collectOutput, findCommand, spawnGroup } from '../proc.ts';
import { httpStatus, waitForOk } from '../net.ts';
import { StartFailure, type Probe, type Running } from './types.ts';

/**
 * Probes `command args` for a version. Some tools print it on stderr (nginx) or exit non-zero
 * after printing it (wrk), so both streams are searched whatever the exit code.
 */
export function probeVersion(command: string, args: readonly string[], pattern: RegExp): Promise<Probe> {
  const path = findCommand(command);
  if (path === undefined) return Promise.resolve({ installed: false, reason: `${command} not installed` });
  return new Promise((resolve) => {
    execFile(path, [...args], { timeout: 5000, encoding: 'utf8' }, (_err, stdout, stderr) => {
      const match = pattern.exec(`${stdout}\n${stderr}`);
      resolve({ installed: true, version: match?.[1] ?? 'unknown' });
    });
  });
}

/**
 * The line of a failed process's stderr worth showing. Node prints a source location and a
 * caret before the error itself, so the first line that names an error wins; otherwise the
 * first non-empty line.
 */
export function firstErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const error = lines.find((l) => /error|\[alert\]|\[emerg\]|fatal|panic|cannot|failed/i.test(l));
  return error ?? lines[0];
}

export interface LaunchOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cpu: number | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Polled until it answers 200. */
  readonly readyUrl: string;
  /** Where load goes; when it differs from readyUrl it must also answer 200 once ready. */
  readonly url: string;
  readonly timeoutMs?: number;
}

/**
 * Starts a proxy process (stdout to /dev/null, stderr kept for diagnostics) and waits for it to
 * serve; on failure stops it and throws StartFailure.
 */
export async function launch(options: LaunchOptions): Promise<Running> {
  const child = spawnGroup(options.command, options.args, {
    cpu: options.cpu,
    env: options.env,
    cwd: options.cwd,
    stdout: 'ignore', // /dev/null: access logs (Weft's go to stdout) must cost no pipe reader
  });
  const output = collectOutput(child);
  let exitCode: number | string | undefined;
  void child.exited.then((code) => { exitCode = code; });
  const timeoutMs = options.timeoutMs ?? 10_000;

  const fail = async (why: string, exited: boolean): Promise<never> => {
    await child.stop();
    const line = firstErrorLine(output.stderr());
    // A crash explains itself on stderr; a hang is explained by the timeout, stderr is a hint.
    throw new StartFailure(exited ? (line ?? why) : line ? `${why}; stderr: ${line}` : why);
  };

  const outcome = await waitForOk(options.readyUrl, timeoutMs, child.exited);
  if (!outcome.ready) return fail(outcome.reason, exitCode !== undefined);
  if (options.url !== options.readyUrl) {
    const status = await httpStatus(options.url, 2000);
    if (status !== 200) {
      const seen = status instanceof Error ? status.message : `status ${status}`;
      return fail(`ready, but GET ${options.url} gave ${seen}`, exitCode !== undefined);
    }
  }
  return {
    url: options.url,
    pid: child.pid,
    failure: () => exitCode === undefined
      ? undefined
      : `exited (${exitCode})${firstErrorLine(output.stderr()) ? `: ${firstErrorLine(output.stderr())}` : ''}`,
    stop: () => child.stop(),
  };
}
