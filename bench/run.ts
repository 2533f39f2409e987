// `npm run bench`: parses the command line, runs the chosen scenarios, prints and saves results.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineLine, packageVersion } from './machine.ts';
import { PEERS } from './peers/index.ts';
import { wrkVersionOrThrow } from './load/wrk.ts';
import { acquireBenchLock, cleanupAll, detectPinning, installCleanupHandlers } from './proc.ts';
import { formatTable, summarize, writeResult } from './report.ts';
import { DEFAULT_SCENARIOS, SCENARIOS, type BenchOptions, type ScenarioReport } from './scenarios/index.ts';

const DEFAULTS: BenchOptions = { runs: 3, seconds: 10, rate: 1000, warmupSeconds: 2, only: undefined };
const QUICK: Partial<BenchOptions> = { runs: 1, seconds: 3, warmupSeconds: 1 };

export const USAGE = `Usage: npm run bench -- [options] [scenario ...]

Compares Weft's sidecar proxy with HAProxy, nginx, Caddy, @fastify/http-proxy and "direct"
(no proxy) side by side, on loopback. See bench/README.md for the protocol.

Scenarios: ${Object.keys(SCENARIOS).join(', ')} (default: ${DEFAULT_SCENARIOS.join(', ')})

Options:
  --quick         smoke test: 1 run of 3 s per peer, 1 s open-loop warm-up
  --runs N        runs per peer, interleaved across peers; the median is reported (default ${DEFAULTS.runs})
  --duration S    seconds per load run, saturation and fixed rate alike (default ${DEFAULTS.seconds})
  --rate R        open-loop request rate for the latency columns (default ${DEFAULTS.rate})
  --warmup S      open-loop warm-up before each measured window (default ${DEFAULTS.warmupSeconds})
  --only a,b      peers to run, of: ${PEERS.map((p) => p.id).join(', ')}
  -h, --help      this text
`;

export type Cli =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: BenchOptions; readonly scenarios: readonly string[] };

function positive(name: string, text: string | undefined, integer: boolean): number | string | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    return `--${name} wants a positive ${integer ? 'integer' : 'number'}, got "${text}"`;
  }
  return n;
}

/** Parses `npm run bench -- ...` arguments; never exits, so it can be tested. */
export function parseCli(argv: readonly string[]): Cli {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        quick: { type: 'boolean' },
        runs: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        warmup: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const numbers = {
    runs: positive('runs', values.runs, true),
    seconds: positive('duration', values.duration, true), // wrk takes whole seconds
    rate: positive('rate', values.rate, false),
    warmupSeconds: positive('warmup', values.warmup, false),
  };
  for (const value of Object.values(numbers)) if (typeof value === 'string') return { kind: 'error', message: value };

  const unknownScenario = positionals.find((name) => !(name in SCENARIOS));
  if (unknownScenario !== undefined) {
    return { kind: 'error', message: `unknown scenario "${unknownScenario}" (known: ${Object.keys(SCENARIOS).join(', ')})` };
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknownPeer = only?.find((id) => !PEERS.some((p) => p.id === id));
  if (unknownPeer !== undefined) {
    return { kind: 'error', message: `unknown peer "${unknownPeer}" in --only (known: ${PEERS.map((p) => p.id).join(', ')})` };
  }

  // Explicit flags win over --quick's presets.
  const base: BenchOptions = { ...DEFAULTS, ...(values.quick ? QUICK : {}) };
  const pick = (value: number | string | undefined, fallback: number): number => (typeof value === 'number' ? value : fallback);
  const options: BenchOptions = {
    runs: pick(numbers.runs, base.runs),
    seconds: pick(numbers.seconds, base.seconds),
    rate: pick(numbers.rate, base.rate),
    warmupSeconds: pick(numbers.warmupSeconds, base.warmupSeconds),
    only,
  };
  return { kind: 'run', options, scenarios: positionals.length > 0 ? positionals : DEFAULT_SCENARIOS };
}

function minutes(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Versions for the JSON: each peer's as probed by the scenario, plus the load tools'. */
function versionsOf(report: ScenarioReport, wrkVersion: string): Record<string, string> {
  const versions: Record<string, string> = { wrk: wrkVersion };
  for (const name of ['undici', 'hdr-histogram-js']) versions[name] = packageVersion(name) ?? 'missing';
  for (const row of report.rows) versions[row.label] = row.status === 'skipped' ? `skipped: ${row.reason}` : row.version;
  return versions;
}

async function main(cli: Extract<Cli, { kind: 'run' }>): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  installCleanupHandlers((signal) => log(`\n${signal}: stopping every peer and load generator…`));

  const wrkVersion = wrkVersionOrThrow();
  const pinning = detectPinning();
  if (pinning === undefined) log('warning: cannot pin CPUs 0 and 1 (taskset missing or fewer than 2 CPUs): figures will be noisier');
  const scenarios = await Promise.all(cli.scenarios.map((name) => SCENARIOS[name]()));
  const peerCount = PEERS.filter((p) => cli.options.only === undefined || cli.options.only.includes(p.id)).length;
  const estimate = scenarios.reduce((sum, s) => sum + s.estimateSeconds(cli.options, peerCount), 0);
  log(`weft bench: ${cli.scenarios.join(', ')}; ${peerCount} peers × ${cli.options.runs} runs of ${cli.options.seconds} s; estimated ${minutes(estimate)}`);

  await acquireBenchLock(log);
  const began = Date.now();
  for (const scenario of scenarios) {
    const startedAt = new Date();
    log(`\n[${scenario.name}] ${scenario.title}`);
    const report = await scenario.run({ options: cli.options, pinning, log });
    const machine = describeMachine(pinning, versionsOf(report, wrkVersion));
    const summaries = summarize(report.rows);
    process.stdout.write(`\n${formatTable(report, summaries)}  machine: ${machineLine(machine)}\n`);
    const file = writeResult(join(import.meta.dirname, 'results'), {
      report, summaries, options: cli.options, machine, startedAt, seconds: (Date.now() - startedAt.getTime()) / 1000,
    });
    log(`  saved ${file}`);
  }
  log(`\ndone in ${minutes((Date.now() - began) / 1000)} (estimated ${minutes(estimate)})`);
}

if (import.meta.main) {
  const cli = parseCli(process.argv.slice(2));
  if (cli.kind === 'help') {
    process.stdout.write(USAGE);
  } else if (cli.kind === 'error') {
    process.stderr.write(`bench: ${cli.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    try {
      await main(cli);
    } catch (err) {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    } finally {
      await cleanupAll();
    }
  }
}
