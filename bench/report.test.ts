import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileStamp, formatMs, formatTable, median, summarize } from './report.ts';
import type { PeerRow, RunSample } from './scenarios/types.ts';

function sample(rps: number, p50: number, p99: number, p999: number, cpuPer1k?: number, errors = 0, others = 0): RunSample {
  const latency = { p50, p90: p99, p99, p999, max: p999 };
  return {
    saturation: { requests: rps * 10, seconds: 10, rps, latencyMs: latency, errors },
    cpuPer1k,
    proxyCpuShare: cpuPer1k === undefined ? undefined : 0.99,
    otherCores: 0,
    fixedRate: { rate: 1000, seconds: 10, scheduled: 10_000, completed: 10_000, errors: 0, errorKinds: {}, latencyMs: latency, sendLagMs: latency },
    cpuPer1kAtRate: undefined,
    otherCoresAtRate: others,
  };
}

const ROWS: PeerRow[] = [
  { id: 'direct', label: 'direct', status: 'ok', version: 'no proxy', peakRssMiB: undefined, runs: [sample(200_000, 0.05, 0.2, 0.5)] },
  {
    id: 'haproxy', label: 'HAProxy', status: 'ok', version: '2.6', peakRssMiB: 15.5,
    runs: [sample(30_000, 0.2, 0.4, 1.0, 0.033), sample(32_000, 0.1, 0.3, 0.9, 0.031), sample(28_000, 0.3, 0.5, 1.1, 0.035, 0, 0.34)],
  },
  { id: 'caddy', label: 'Caddy', status: 'skipped', reason: 'caddy not installed' },
  { id: 'fastify', label: 'fastify-http-proxy', status: 'ok', version: '11', peakRssMiB: 80, runs: [sample(8_000, 0.4, 1.2, 3.0, 0.12, 5)] },
  { id: 'weft', label: 'Weft', status: 'failed', version: '0.1.0', reason: 'failed to start: Error: boom', runs: [] },
];

test('median of odd and even counts, ignoring NaN', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([Number.NaN, 5]), 5);
  assert.equal(median([]), undefined);
});

test('summaries take per-column medians and ratios against the same run', () => {
  const [direct, haproxy, caddy, fastify, weft] = summarize(ROWS);
  assert.equal(haproxy.rps, 30_000);
  assert.deepEqual(haproxy.latencyMs, { p50: 0.2, p99: 0.4, p999: 1.0 });
  assert.equal(haproxy.cpuPer1k, 0.033);
  assert.equal(haproxy.xHaproxy, 1);
  assert.deepEqual(haproxy.addedMs, { p50: 0.15, p99: 0.2, p999: 0.5 });
  assert.equal(direct.addedMs, undefined);
  assert.ok(Math.abs(direct.xHaproxy! - 200 / 30) < 1e-9);
  assert.equal(fastify.xHaproxy, 8_000 / 30_000);
  assert.equal(fastify.errors, 5);
  assert.equal(haproxy.disturbedRuns, 1);
  assert.equal(haproxy.maxOtherCores, 0.34);
  assert.equal(fastify.disturbedRuns, 0);
  assert.equal(caddy.status, 'skipped');
  assert.equal(weft.reason, 'failed to start: Error: boom');
});

test('without HAProxy or direct, ratios and added latency are absent, not wrong', () => {
  const [fastify] = summarize(ROWS.filter((r) => r.id === 'fastify'));
  assert.equal(fastify.xHaproxy, undefined);
  assert.equal(fastify.addedMs, undefined);
});

test('milliseconds keep about three significant digits', () => {
  assert.equal(formatMs(0.0514), '0.051');
  assert.equal(formatMs(1.234), '1.23');
  assert.equal(formatMs(12.34), '12.3');
  assert.equal(formatMs(0.15, true), '+0.150');
  assert.equal(formatMs(-0.02, true), '-0.020');
  assert.equal(formatMs(undefined), '—');
  assert.equal(formatMs(Number.NaN), '—');
});

test('table: aligned columns, reasons in place of figures, a warning for errors', () => {
  const text = formatTable({ scenario: 'h1', title: 'test', protocol: 'how' }, summarize(ROWS));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'h1 — test');
  assert.match(lines[1], /^peer\s+rps\s+p50\s+p99\s+p99\.9\s+\+p50\s+\+p99\s+\+p99\.9\s+CPU s\/1k req\s+peak RSS MiB\s+× HAProxy$/);
  // Figures are right-aligned: every full row ends where the header ends.
  const full = [lines[1], lines[2], lines[3], lines[5]];
  assert.ok(full.every((l) => l.length === lines[1].length), full.join('\n'));
  assert.match(lines[3], /^HAProxy\s+30,000\s+0\.200\s+0\.400\s+1\.00\s+\+0\.150\s+\+0\.200\s+\+0\.500\s+0\.0330\s+15\.5\s+1\.00$/);
  assert.match(lines[2], /^direct\s+200,000 .* —\s+—\s+6\.67$/);
  assert.match(lines[4], /^Caddy\s+skipped: caddy not installed$/);
  assert.match(lines[6], /^Weft\s+failed to start: Error: boom$/);
  assert.match(text, /! fastify-http-proxy: 5 failed requests/);
  assert.match(text, /! HAProxy: 1 run\(s\) disturbed — other processes used up to 0\.34 cores of the bench's CPUs/);
  assert.doesNotMatch(text, /fastify-http-proxy: \d run\(s\) disturbed/);
  assert.match(text, /\n {2}how\n$/);
});

test('result file names use an ISO 8601 basic timestamp', () => {
  assert.equal(fileStamp(new Date('2025-03-04T05:06:07.890Z')), '20250304T050607Z');
});
