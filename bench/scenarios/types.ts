// The contract between bench/run.ts and a scenario, and the measurements a scenario returns.
import type { OpenLoopResult } from '../load/open-loop.ts';
import type { WrkResult } from '../load/wrk.ts';
import type { Pinning } from '../proc.ts';

export interface BenchOptions {
  /** Runs per peer, interleaved across peers. */
  readonly runs: number;
  /** Seconds per load run (saturation and fixed rate alike). */
  readonly seconds: number;
  /** Open-loop request rate, requests per second. */
  readonly rate: number;
  /** Open-loop warm-up before each measured window, seconds. */
  readonly warmupSeconds: number;
  /** Peer ids to run; undefined = all. */
  readonly only: readonly string[] | undefined;
}

export interface ScenarioContext {
  readonly options: BenchOptions;
  readonly pinning: Pinning | undefined;
  /** Progress output (stderr), so stdout carries only tables. */
  log(line: string): void;
}

/** One interleaved run of one peer. */
export interface RunSample {
  readonly saturation: WrkResult;
  /** Proxy CPU seconds per 1,000 requests during the saturation run. */
  readonly cpuPer1k: number | undefined;
  /** Cores the proxy used during the saturation run (≈ 1 when it is the bottleneck). */
  readonly proxyCpuShare: number | undefined;
  /**
   * Cores that processes outside the bench (or the hypervisor) used on the pinned CPUs during
   * the saturation run. Anything but ≈ 0 means the run was disturbed, e.g. by a test suite.
   */
  readonly otherCores: number | undefined;
  readonly fixedRate: OpenLoopResult;
  /** Proxy CPU seconds per 1,000 requests at the fixed rate. */
  readonly cpuPer1kAtRate: number | undefined;
  /** As otherCores, during the fixed-rate run. */
  readonly otherCoresAtRate: number | undefined;
}

export type PeerRow =
  | { readonly id: string; readonly label: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly id: string; readonly label: string; readonly status: 'failed'; readonly reason: string; readonly version: string; readonly runs: readonly RunSample[] }
  | { readonly id: string; readonly label: string; readonly status: 'ok'; readonly version: string; readonly runs: readonly RunSample[]; readonly peakRssMiB: number | undefined };

export interface ScenarioReport {
  readonly scenario: string;
  readonly title: string;
  /** One line on how it was measured, printed under the table. */
  readonly protocol: string;
  readonly rows: readonly PeerRow[];
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Rough wall-clock seconds for `peerCount` peers, printed before starting. */
  estimateSeconds(options: BenchOptions, peerCount: number): number;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}
