// Scenario h1: HTTP/1.1 keep-alive through each peer to a 1 KiB nginx backend — saturation
// throughput (wrk) and latency at a fixed rate (open loop), runs interleaved across peers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runOpenLoop } from '../load/open-loop.ts';
import { runWrk } from '../load/wrk.ts';
import { PEERS, StartFailure, startBackend, type Peer, type Running } from '../peers/index.ts';
import { cpuBusyTicks, cpuSecondsPer1k, makeTempDir, ticksPerSecond, treeCpuTicks, treePeakRssMiB, type Pinning } from '../proc.ts';
import { DISTURBED, formatMs, otherCores } from '../report.ts';
import type { BenchOptions, PeerRow, RunSample, Scenario, ScenarioContext, ScenarioReport } from './types.ts';

const KTHREADD = 2;

/** Unmeasured wrk run per peer before round 1: JIT warm-up for Node peers, pools for all. */
const WARM_SECONDS = 2;

interface Live {
  readonly peer: Peer;
  readonly version: string;
  readonly running: Running;
  readonly runs: RunSample[];
  failure?: string;
}

/** Round r runs the peers starting from the r-th, so no peer always goes first (or last). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

interface CpuUse {
  /** The proxy tree's CPU seconds per 1,000 requests; undefined for direct. */
  readonly per1k: number | undefined;
  /** Cores used by the proxy tree; undefined for direct. */
  readonly share: number | undefined;
  /** Cores used on the pinned CPUs by anything outside the bench; undefined when not pinned. */
  readonly otherCores: number | undefined;
}

/**
 * Samples CPU around `load`: the proxy's tree, and the pinned CPUs' busy time minus the whole
 * bench's (this process and every child: peers, backend, load generators) to see whether
 * something else ran meanwhile. Kernel threads (children of kthreadd, pid 2) are not counted
 * as "something else": ksoftirqd carries part of the bench's own loopback traffic.
 */
async function withCpu<T>(
  pid: number | undefined, pinning: Pinning | undefined, load: () => Promise<T>, requests: (result: T) => number,
): Promise<[T, CpuUse]> {
  const hz = ticksPerSecond();
  const cpus = pinning === undefined ? [] : [pinning.proxy, pinning.load];
  const sample = () => ({
    proxy: pid === undefined ? 0 : treeCpuTicks(pid),
    accounted: treeCpuTicks(process.pid) + treeCpuTicks(KTHREADD),
    busy: cpuBusyTicks(cpus),
    at: performance.now(),
  });
  const before = sample();
  const result = await load();
  const after = sample();
  const wallSeconds = (after.at - before.at) / 1000;
  const others = after.busy - before.busy - (after.accounted - before.accounted);
  return [result, {
    per1k: pid === undefined ? undefined : cpuSecondsPer1k(before.proxy, after.proxy, hz, requests(result)),
    share: pid === undefined ? undefined : (after.proxy - before.proxy) / hz / wallSeconds,
    otherCores: pinning === undefined ? undefined : Math.max(0, others / hz / wallSeconds),
  }];
}

async function measure(running: Running, options: BenchOptions, pinning: Pinning | undefined): Promise<RunSample> {
  const loadCpu = pinning?.load;
  const [saturation, cpu] = await withCpu(
    running.pid,
    pinning,
    () => runWrk(running.url, { seconds: options.seconds, cpu: loadCpu }),
    (r) => r.requests,
  );
  const [fixedRate, cpuAtRate] = await withCpu(
    running.pid,
    pinning,
    () => runOpenLoop(running.url, { rate: options.rate, seconds: options.seconds, warmupSeconds: options.warmupSeconds, cpu: loadCpu }),
    // Every scheduled request, warm-up included, was sent while we sampled.
    (r) => r.scheduled + Math.round(options.warmupSeconds * options.rate),
  );
  return {
    saturation,
    cpuPer1k: cpu.per1k,
    proxyCpuShare: cpu.share,
    otherCores: cpu.otherCores,
    fixedRate,
    cpuPer1kAtRate: cpuAtRate.per1k,
    otherCoresAtRate: cpuAtRate.otherCores,
  };
}

function progress(round: number, runs: number, label: string, s: RunSample): string {
  const pct = (share: number) => `${Math.round(share * 100)}%`;
  const cpu = s.cpuPer1k === undefined || s.proxyCpuShare === undefined
    ? ''
    : `  CPU ${s.cpuPer1k.toPrecision(3)} s/1k (${pct(s.proxyCpuShare)} of a core)`;
  const others = otherCores(s);
  const disturbed = others > DISTURBED ? `  DISTURBED: other processes used ${others.toFixed(2)} cores meanwhile` : '';
  const errors = s.saturation.errors + s.fixedRate.errors;
  const kinds = Object.entries(s.fixedRate.errorKinds).map(([kind, n]) => `${kind} ×${n}`).join(', ');
  return `  run ${round + 1}/${runs}  ${label.padEnd(18)} ${Math.round(s.saturation.rps).toLocaleString('en-US').padStart(8)} rps` +
    `  @${s.fixedRate.rate} rps p50 ${formatMs(s.fixedRate.latencyMs.p50)} p99 ${formatMs(s.fixedRate.latencyMs.p99)}` +
    ` p99.9 ${formatMs(s.fixedRate.latencyMs.p999)} ms${cpu}${errors > 0 ? `  ${errors} errors${kinds ? ` (open loop: ${kinds})` : ''}` : ''}${disturbed}`;
}

async function startPeers(context: ScenarioContext, backend: string, dir: string): Promise<{ live: Live[]; rows: Map<string, PeerRow> }> {
  const { options, pinning } = context;
  const live: Live[] = [];
  const rows = new Map<string, PeerRow>();
  for (const peer of PEERS.filter((p) => options.only === undefined || options.only.includes(p.id))) {
    const probe = await peer.probe();
    if (!probe.installed) {
      context.log(`  ${peer.label}: skipped (${probe.reason})`);
      rows.set(peer.id, { id: peer.id, label: peer.label, status: 'skipped', reason: probe.reason });
      continue;
    }
    const peerDir = join(dir, peer.id);
    mkdirSync(peerDir);
    try {
      const running = await peer.start({ dir: peerDir, backend, cpu: pinning?.proxy });
      context.log(`  ${peer.label} ${probe.version}: serving at ${running.url}`);
      live.push({ peer, version: probe.version, running, runs: [] });
    } catch (err) {
      if (!(err instanceof StartFailure)) throw err;
      context.log(`  ${peer.label}: failed to start: ${err.message}`);
      rows.set(peer.id, {
        id: peer.id, label: peer.label, status: 'failed', reason: `failed to start: ${err.message}`, version: probe.version, runs: [],
      });
    }
  }
  return { live, rows };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options, pinning } = context;
  const loadCpu = pinning?.load;
  const dir = makeTempDir('weft-bench-h1-');
  mkdirSync(join(dir, 'backend'));
  const backend = await startBackend(join(dir, 'backend'), loadCpu);
  const started: Live[] = [];
  try {
    const { live, rows } = await startPeers(context, backend.address, dir);
    started.push(...live);

    context.log(`  warm-up: ${WARM_SECONDS} s of wrk per peer (not measured)`);
    for (const s of live) {
      await runWrk(s.running.url, { seconds: WARM_SECONDS, cpu: loadCpu }).catch((err: unknown) => {
        s.failure = `warm-up failed: ${err instanceof Error ? err.message : String(err)}`;
      });
    }

    for (let round = 0; round < options.runs; round++) {
      for (const s of rotate(live, round)) {
        if (s.failure !== undefined) continue;
        try {
          const sample = await measure(s.running, options, pinning);
          s.runs.push(sample);
          context.log(progress(round, options.runs, s.peer.label, sample));
        } catch (err) {
          s.failure = `run ${round + 1} failed: ${err instanceof Error ? err.message : String(err)}`;
        }
        const crashed = s.running.failure();
        if (crashed !== undefined) s.failure = `crashed during run ${round + 1}: ${crashed}`;
        if (s.failure !== undefined) context.log(`  ${s.peer.label}: ${s.failure}`);
      }
    }

    for (const s of live) {
      const { id, label } = s.peer;
      rows.set(id, s.failure !== undefined
        ? { id, label, status: 'failed', reason: s.failure, version: s.version, runs: s.runs }
        : {
          id, label, status: 'ok', version: s.version, runs: s.runs,
          // VmHWM is a lifetime peak: read once, after every load has passed through.
          peakRssMiB: s.running.pid === undefined ? undefined : treePeakRssMiB(s.running.pid),
        });
    }
    return {
      scenario: 'h1',
      title: h1.title,
      protocol: protocolLine(options),
      // Table order is PEERS order, whatever order they ran in.
      rows: PEERS.flatMap((p) => rows.get(p.id) ?? []),
    };
  } finally {
    await Promise.all(started.map((s) => s.running.stop()));
    await backend.stop();
  }
}

function protocolLine(o: BenchOptions): string {
  return [
    `rps: wrk -t1 -c64, ${o.seconds} s, median of ${o.runs} interleaved run${o.runs === 1 ? '' : 's'}`,
    `p50/p99/p99.9 (ms): open loop at ${o.rate} rps for ${o.seconds} s after ${o.warmupSeconds} s warm-up, from scheduled send`,
    '+: added vs direct',
    'CPU: proxy process tree during the wrk runs',
    'RSS: peak over the whole scenario',
  ].join('\n  ');
}

export const h1: Scenario = {
  name: 'h1',
  title: 'HTTP/1.1 GET through one proxy, 1 KiB response, keep-alive both sides',
  estimateSeconds(o, peerCount) {
    // per run: wrk + ~0.5 s setup, open loop warm-up + window + ~1 s Node start and drain.
    const perRun = o.seconds + 0.5 + o.warmupSeconds + o.seconds + 1;
    const perPeer = 2 /* start */ + WARM_SECONDS + 0.5;
    return 2 + peerCount * (perPeer + o.runs * perRun);
  },
  run,
};
