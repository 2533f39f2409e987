// Turns a scenario's runs into medians and ratios, an aligned text table and a JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from './machine.ts';
import type { BenchOptions, PeerRow, RunSample, ScenarioReport } from './scenarios/types.ts';

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

/** Medians over a peer's runs, plus ratios against the same run's HAProxy and direct rows. */
export interface Summary {
  readonly id: string;
  readonly label: string;
  readonly status: PeerRow['status'];
  /** Why a row has no figures (skipped / failed). */
  readonly reason?: string;
  readonly version?: string;
  readonly rps?: number;
  /** Open-loop latency at the fixed rate, ms. */
  readonly latencyMs?: Latency;
  /** Open-loop latency minus direct's, ms. */
  readonly addedMs?: Latency;
  /** wrk's closed-loop latency at saturation, ms (not coordinated-omission corrected). */
  readonly saturationLatencyMs?: Latency;
  readonly cpuPer1k?: number;
  readonly cpuPer1kAtRate?: number;
  readonly peakRssMiB?: number;
  /** rps / HAProxy's rps. */
  readonly xHaproxy?: number;
  /** Failed requests over all runs (wrk and open loop); figures of a row with errors are suspect. */
  readonly errors?: number;
  /** Cores the proxy used at saturation (median); well below 1 means it was not the bottleneck. */
  readonly proxyCpuShare?: number;
  /** Runs in which processes outside the bench used more than DISTURBED cores. */
  readonly disturbedRuns?: number;
  /** The most cores processes outside the bench used in any of this peer's runs. */
  readonly maxOtherCores?: number;
}

/** Cores used by processes outside the bench above which a run counts as disturbed. */
export const DISTURBED = 0.1;

/** The larger of a run's two outside-load figures (saturation, fixed rate); 0 when unknown. */
export function otherCores(run: RunSample): number {
  return Math.max(run.otherCores ?? 0, run.otherCoresAtRate ?? 0);
}

export function median(values: readonly number[]): number | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianLatency(samples: readonly { p50: number; p99: number; p999: number | undefined }[]): Latency | undefined {
  const p50 = median(samples.map((s) => s.p50));
  const p99 = median(samples.map((s) => s.p99));
  const p999 = median(samples.map((s) => s.p999 ?? Number.NaN));
  return p50 === undefined || p99 === undefined ? undefined : { p50, p99, p999: p999 ?? Number.NaN };
}

/** Rounds ms to whole µs, the histograms' resolution, so float noise stays out of the JSON. */
const microseconds = (ms: number): number => Math.round(ms * 1000) / 1000;

export function summarize(rows: readonly PeerRow[]): Summary[] {
  const base = rows.map((row): Summary => {
    if (row.status === 'skipped') return { id: row.id, label: row.label, status: row.status, reason: row.reason };
    const runs = row.runs;
    const common = {
      id: row.id,
      label: row.label,
      status: row.status,
      version: row.version,
      rps: median(runs.map((r) => r.saturation.rps)),
      latencyMs: medianLatency(runs.map((r) => r.fixedRate.latencyMs)),
      saturationLatencyMs: medianLatency(runs.map((r) => r.saturation.latencyMs)),
      cpuPer1k: median(runs.map((r) => r.cpuPer1k ?? Number.NaN)),
      cpuPer1kAtRate: median(runs.map((r) => r.cpuPer1kAtRate ?? Number.NaN)),
      errors: runs.reduce((sum, r) => sum + r.saturation.errors + r.fixedRate.errors, 0),
      proxyCpuShare: median(runs.map((r) => r.proxyCpuShare ?? Number.NaN)),
      disturbedRuns: runs.filter((r) => otherCores(r) > DISTURBED).length,
      maxOtherCores: Math.max(0, ...runs.map(otherCores)),
    };
    return row.status === 'failed' ? { ...common, reason: row.reason } : { ...common, peakRssMiB: row.peakRssMiB };
  });
  const haproxy = base.find((s) => s.id === 'haproxy' && s.status === 'ok');
  const direct = base.find((s) => s.id === 'direct' && s.status === 'ok');
  return base.map((s) => {
    if (s.status !== 'ok') return s;
    const xHaproxy = haproxy?.rps && s.rps !== undefined ? s.rps / haproxy.rps : undefined;
    const d = direct?.latencyMs;
    const addedMs = d && s.latencyMs && s.id !== 'direct'
      ? { p50: microseconds(s.latencyMs.p50 - d.p50), p99: microseconds(s.latencyMs.p99 - d.p99), p999: microseconds(s.latencyMs.p999 - d.p999) }
      : undefined;
    return { ...s, xHaproxy, addedMs };
  });
}

// ---------------------------------------------------------------- text table

const DASH = '—';

/** Milliseconds with about three significant digits: 0.123, 1.23, 12.3; signed when `signed`. */
export function formatMs(ms: number | undefined, signed = false): string {
  if (ms === undefined || !Number.isFinite(ms)) return DASH;
  const abs = Math.abs(ms);
  const text = abs < 1 ? ms.toFixed(3) : abs < 10 ? ms.toFixed(2) : ms.toFixed(1);
  return signed && ms >= 0 ? `+${text}` : text;
}

function formatNumber(value: number | undefined, format: (v: number) => string): string {
  return value === undefined || !Number.isFinite(value) ? DASH : format(value);
}

const COLUMNS = [
  'rps', 'p50', 'p99', 'p99.9', '+p50', '+p99', '+p99.9', 'CPU s/1k req', 'peak RSS MiB', '× HAProxy',
] as const;

function cells(s: Summary): string[] {
  return [
    formatNumber(s.rps, (v) => Math.round(v).toLocaleString('en-US')),
    formatMs(s.latencyMs?.p50),
    formatMs(s.latencyMs?.p99),
    formatMs(s.latencyMs?.p999),
    formatMs(s.addedMs?.p50, true),
    formatMs(s.addedMs?.p99, true),
    formatMs(s.addedMs?.p999, true),
    formatNumber(s.cpuPer1k, (v) => v.toPrecision(3)),
    formatNumber(s.peakRssMiB, (v) => v.toFixed(1)),
    formatNumber(s.xHaproxy, (v) => v.toFixed(2)),
  ];
}

/**
 * The scenario's table: label column left-aligned, figures right-aligned. A skipped or failed
 * peer gets one line saying why in place of its figures (a failed row's reason says whether it
 * failed to start or crashed later).
 */
export function formatTable(report: Pick<ScenarioReport, 'scenario' | 'title' | 'protocol'>, summaries: readonly Summary[]): string {
  const header = ['peer', ...COLUMNS];
  const rows = summaries.map((s) => (s.status === 'ok' ? [s.label, ...cells(s)] : undefined));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r ? r[i].length : 0))));
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const out = [`${report.scenario} — ${report.title}`, line(header)];
  summaries.forEach((s, i) => {
    const r = rows[i];
    if (r) out.push(line(r));
    else out.push(`${s.label.padEnd(widths[0])}  ${s.status === 'skipped' ? 'skipped: ' : ''}${s.reason}`);
  });
  const notes = summaries.filter((s) => s.status === 'ok').flatMap((s) => [
    ...((s.errors ?? 0) > 0
      ? [`  ! ${s.label}: ${s.errors} failed requests (non-2xx, socket errors or unanswered); its figures are suspect`]
      : []),
    ...((s.disturbedRuns ?? 0) > 0
      ? [`  ! ${s.label}: ${s.disturbedRuns} run(s) disturbed — other processes used up to ${(s.maxOtherCores ?? 0).toFixed(2)} cores of the bench's CPUs`]
      : []),
  ]);
  out.push(...notes, `  ${report.protocol}`);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- JSON

/** `20250101T120000Z`: ISO 8601 basic format, safe in file names. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export interface ResultFile {
  readonly report: ScenarioReport;
  readonly summaries: readonly Summary[];
  readonly options: BenchOptions;
  readonly machine: Machine;
  readonly startedAt: Date;
  readonly seconds: number;
}

/** Writes `<dir>/<stamp>-<scenario>.json` with summaries and every raw run; returns its path. */
export function writeResult(dir: string, result: ResultFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${fileStamp(result.startedAt)}-${result.report.scenario}.json`);
  const runsById = new Map(result.report.rows.map((r) => [r.id, r.status === 'skipped' ? [] : r.runs]));
  const body = {
    scenario: result.report.scenario,
    title: result.report.title,
    protocol: result.report.protocol,
    startedAt: result.startedAt.toISOString(),
    seconds: Math.round(result.seconds),
    options: result.options,
    machine: result.machine,
    peers: result.summaries.map((s) => ({ ...s, runs: runsById.get(s.id) ?? [] })),
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
