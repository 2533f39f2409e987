// Peak-EWMA: the estimate's arithmetic (peak, time-weighted blend, decay toward zero) and the P2C
// balancer steering by latency, load and weight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpoint } from '../cluster/endpoint.ts';
import { createBalancer, DEFAULT_EWMA, RttEstimate } from './index.ts';
import { peakEwmaCost } from './peak-ewma.ts';

const TAU = 10_000;

test('a new estimate starts at default_rtt and decays toward zero with time constant decay_time', () => {
  const e = new RttEstimate({ decayMs: TAU, defaultRttMs: 30 }, 0);
  assert.equal(e.valueAt(0), 30);
  assert.ok(Math.abs(e.valueAt(TAU) - 30 / Math.E) < 1e-9);
  assert.ok(e.valueAt(10 * TAU) < 0.01, 'an endpoint left alone becomes attractive again');
});

test('a slower sample replaces the estimate at once (peak); a faster one pulls it down by 1 - e^(-Δt/τ)', () => {
  const e = new RttEstimate({ decayMs: TAU, defaultRttMs: 30 }, 0);
  e.observe(500, 1);
  assert.equal(e.valueAt(1), 500);
  e.observe(10, 1 + TAU);
  const w = Math.exp(-1);
  assert.ok(Math.abs(e.valueAt(1 + TAU) - (500 * w + 10 * (1 - w))) < 1e-9);
  // Samples close together barely move it down: the memory is seconds, not a request count.
  const f = new RttEstimate({ decayMs: TAU, defaultRttMs: 30 }, 0);
  f.observe(400, 0);
  for (let t = 1; t <= 100; t++) f.observe(1, t);
  assert.ok(f.valueAt(100) > 390, `after 100 fast answers in 100 ms: ${f.valueAt(100)}`);
  assert.equal(f.samples, 101);
  f.observe(Number.NaN, 200);
  assert.equal(f.samples, 101, 'NaN is ignored');
});

test('cost = estimate × (active + 1) / weight', () => {
  const ep = new Endpoint('10.0.0.1', 1, 2, true, 'http1', 1000, { ewma: { decayMs: TAU, defaultRttMs: 40 } });
  const now = performance.now();
  ep.observeLatency(40, now);
  ep.activeRequests = 3;
  assert.ok(Math.abs(peakEwmaCost(ep, now) - (40 * 4) / 2) < 1e-6);
});

function cluster(latencies: readonly number[], weights: readonly number[] = latencies.map(() => 1)): Endpoint[] {
  return latencies.map((_, i) => new Endpoint('10.0.0.2', 100 + i, weights[i], true, 'http1', 1000, { ewma: DEFAULT_EWMA }));
}

test('P2C steers away from a slow endpoint after its first slow answer', () => {
  const latency = [1, 1, 500];
  const eps = cluster(latency);
  const b = createBalancer({ kind: 'peak_ewma', ...DEFAULT_EWMA });
  b.update(eps);
  let slow = 0;
  for (let i = 0; i < 3000; i++) {
    const ep = b.pick()!;
    const idx = eps.indexOf(ep);
    if (i >= 100 && idx === 2) slow++;
    ep.observeLatency(latency[idx], performance.now());
  }
  assert.equal(slow, 0, 'after warm-up the slow endpoint is never cheaper than a fast one');
});

test('P2C steers by requests in flight before any answer arrives', () => {
  const eps = cluster([1, 1]);
  const b = createBalancer({ kind: 'peak_ewma', ...DEFAULT_EWMA });
  b.update(eps);
  eps[0].activeRequests = 5; // say, a stalled endpoint: nothing has come back from it
  for (let i = 0; i < 100; i++) assert.equal(b.pick(), eps[1]);
});

test('a heavier endpoint is preferred at equal latency and load', () => {
  const eps = cluster([1, 1], [1, 3]);
  const b = createBalancer({ kind: 'peak_ewma', ...DEFAULT_EWMA });
  b.update(eps);
  for (let i = 0; i < 100; i++) assert.equal(b.pick(), eps[1]);
});
