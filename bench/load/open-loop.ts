// Open-loop load at a fixed rate, latency measured from each request's *scheduled* send time
// (coordinated-omission corrected, as wrk2 and fortio do). Run as its own process:
//   node open-loop.ts --url U --rate R --seconds S --warmup W [--connections C]
// prints one JSON line (OpenLoopResult); runOpenLoop() spawns it pinned and parses that line.
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { collectOutput, spawnGroup } from '../proc.ts';

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly seconds: number;
  /** Requests scheduled in the measured window (after warm-up). */
  readonly scheduled: number;
  readonly completed: number;
  /** Non-200 answers, transport errors and requests still unanswered at the end. */
  readonly errors: number;
  /** The errors by kind: `status 503`, an undici error code, or `unanswered`. */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Scheduled send → full response received, ms. */
  readonly latencyMs: Percentiles;
  /** Scheduled → actual send, ms: the generator's own lateness. Large values mean it was overloaded. */
  readonly sendLagMs: Percentiles;
}

export interface OpenLoopOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections?: number;
  readonly cpu: number | undefined;
}

/** Spawns the generator (pinned to `cpu`) against `url`; killed if it overruns by 20 s. */
export async function runOpenLoop(url: string, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const args = [
    import.meta.filename, '--url', url, '--rate', String(options.rate), '--seconds', String(options.seconds),
    '--warmup', String(options.warmupSeconds), '--connections', String(options.connections ?? 32),
  ];
  // Single-threaded GC: pinned to one CPU, V8's parallel GC helpers would only contend.
  const child = spawnGroup(process.execPath, ['--single-threaded-gc', ...args], { cpu: options.cpu });
  const output = collectOutput(child);
  const watchdog = setTimeout(() => void child.stop(), (options.warmupSeconds + options.seconds + 20) * 1000);
  const code = await child.exited;
  clearTimeout(watchdog);
  if (code !== 0) throw new Error(`open-loop generator exited (${code}): ${output.stderr().trim()}`);
  return JSON.parse(output.stdout()) as OpenLoopResult;
}

// ---------------------------------------------------------------- the generator process

/**
 * Ticks from a worker thread. Node's timers have 1 ms resolution, which would make every send
 * up to 1 ms late and bury sub-millisecond differences between proxies; a busy loop on the
 * main thread would steal the CPU the backend shares with us. The worker sleeps in
 * Atomics.wait until SPIN_MS before the next send (futex sleeps overshoot by ~0.1 ms here),
 * spins the rest, and wakes the main thread's event loop with a message (~10 µs), leaving it
 * free to handle responses meanwhile. The message carries how many requests are now due.
 * Cost: up to SPIN_MS of CPU per tick (~15 % of a core at 1,000 rps).
 */
const TICKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { base, intervalNs, total } = workerData;
const SPIN_MS = 0.15;
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint() - base);
let due = 0;
while (due < total) {
  const waitMs = (due * intervalNs - now()) / 1e6;
  if (waitMs > SPIN_MS) Atomics.wait(cell, 0, 0, waitMs - SPIN_MS);
  while (now() < due * intervalNs) ;
  const t = now();
  while (due < total && due * intervalNs <= t) due++;
  parentPort.postMessage(due);
}
`;

async function generate(url: string, rate: number, seconds: number, warmup: number, connections: number): Promise<OpenLoopResult> {
  // Loaded here, not at the top: the harness imports this file only for runOpenLoop().
  const [{ Pool }, hdr] = await Promise.all([import('undici'), import('hdr-histogram-js')]);
  const { origin, pathname, search } = new URL(url);
  const path = pathname + search;
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  // µs resolution, 3 significant digits, up to 60 s.
  const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const latency = histogram();
  const sendLag = histogram();

  const intervalNs = 1e9 / rate;
  const warmupCount = Math.round(warmup * rate);
  const total = warmupCount + Math.round(seconds * rate);
  // Start slightly in the future so the first sends are not already late.
  const base = process.hrtime.bigint() + 20_000_000n;
  const now = () => Number(process.hrtime.bigint() - base);
  let completed = 0;
  const errorKinds: Record<string, number> = {};
  let inflight = 0;
  let sent = 0;
  let onIdle: (() => void) | undefined;

  const fire = (index: number): void => {
    const scheduled = index * intervalNs;
    const measured = index >= warmupCount;
    if (measured) sendLag.recordValue(Math.max(1, Math.round((now() - scheduled) / 1000)));
    inflight++;
    // `failure` is undefined for a 200; the total is taken at the end as measured requests
    // that did not complete, so that stragglers are counted too.
    const finish = (failure?: string): void => {
      inflight--;
      if (!measured) {
        // warm-up: not recorded
      } else if (failure === undefined) {
        completed++;
        latency.recordValue(Math.max(1, Math.round((now() - scheduled) / 1000)));
      } else {
        errorKinds[failure] = (errorKinds[failure] ?? 0) + 1;
      }
      if (inflight === 0 && sent === total) onIdle?.();
    };
    // dispatch() with a bare handler rather than request(): no stream or promise per response,
    // so the generator allocates little and its GC pauses stay out of the measurement.
    let status = 0;
    pool.dispatch({ origin, path, method: 'GET' }, {
      onRequestStart: () => {},
      onResponseStart: (_controller, statusCode) => { status = statusCode; },
      onResponseData: () => {},
      onResponseEnd: () => finish(status === 200 ? undefined : `status ${status}`),
      onResponseError: (_controller, err) => finish((err as { code?: string }).code ?? err.message),
    });
  };

  const ticker = new Worker(TICKER, { eval: true, workerData: { base, intervalNs, total } });
  await new Promise<void>((resolve, reject) => {
    ticker.on('message', (due: number) => {
      while (sent < due) fire(sent++);
      if (sent === total) resolve();
    });
    ticker.on('error', reject);
  });
  await ticker.terminate();

  // Give stragglers 5 s; whatever is still unanswered then counts as an error.
  if (inflight > 0) {
    await new Promise<void>((resolve) => {
      onIdle = resolve;
      setTimeout(resolve, 5000).unref();
    });
  }
  // Snapshot before destroy(): it fails the stragglers, whose callbacks would count them again.
  const measuredCompleted = completed;
  const measuredErrors = total - warmupCount - completed;
  const kinds = { ...errorKinds };
  const unanswered = measuredErrors - Object.values(kinds).reduce((a, n) => a + n, 0);
  if (unanswered > 0) kinds.unanswered = unanswered;
  await pool.destroy();

  const summary = (h: typeof latency): Percentiles => ({
    p50: h.getValueAtPercentile(50) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    max: h.maxValue / 1000,
  });
  return {
    rate,
    seconds,
    scheduled: total - warmupCount,
    completed: measuredCompleted,
    errors: measuredErrors,
    errorKinds: kinds,
    latencyMs: summary(latency),
    sendLagMs: summary(sendLag),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
    },
  });
  if (!values.url) {
    console.error('usage: open-loop.ts --url URL [--rate R] [--seconds S] [--warmup W] [--connections C]');
    process.exit(2);
  }
  const result = await generate(values.url, Number(values.rate), Number(values.seconds), Number(values.warmup), Number(values.connections));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
