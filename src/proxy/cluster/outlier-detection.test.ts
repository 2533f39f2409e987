// Outlier detection decisions, driven with a hand-set clock: thresholds, limits, ejection times, rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector, outlierConfig, type EjectionReason, type OutlierConfig, type OutlierHost, type AttemptResult } from './outlier-detection.ts';

interface World {
  hosts: OutlierHost[];
  detector: OutlierDetector;
  events: string[];
  clock: { now: number };
}

function world(n: number, overrides: Partial<OutlierConfig> = {}, envoy: Parameters<typeof outlierConfig>[0] = {}): World {
  const hosts: OutlierHost[] = Array.from({ length: n }, (_, i) => ({ address: `10.0.0.${i + 1}:80`, ejected: false, outlier: null }));
  const events: string[] = [];
  const clock = { now: 0 };
  const note = (kind: string) => (reason: EjectionReason) => { events.push(`${kind}:${reason}`); };
  const detector = new OutlierDetector({ ...outlierConfig(envoy), ...overrides }, () => hosts, {
    events: { ejected: note('ejected'), detected: note('detected'), overflowed: note('overflow') },
    clock: () => clock.now,
    random: () => 0.5,
  });
  for (const h of hosts) detector.attach(h);
  return { hosts, detector, events, clock };
}

function send(h: OutlierHost, result: AttemptResult, times = 1): void {
  for (let i = 0; i < times; i++) h.outlier!.record(result);
}

test('five consecutive 5xx eject at once; a success in between starts the count again', () => {
  const { hosts, events } = world(3);
  send(hosts[0], 500, 4);
  send(hosts[0], 200);
  send(hosts[0], 500, 4);
  assert.equal(hosts[0].ejected, false);
  send(hosts[0], 500);
  assert.equal(hosts[0].ejected, true);
  assert.deepEqual(events, ['ejected:consecutive_5xx']);
  assert.equal(hosts[0].outlier!.reason, 'consecutive_5xx');
});

test('gateway failures are detected but, by Envoy default, not enforced; enforcing 100 ejects', () => {
  const off = world(3);
  send(off.hosts[0], 502, 4);
  send(off.hosts[0], 500); // 5xx count reaches 5 only now, the gateway count was broken by the 500
  assert.deepEqual(off.events, ['ejected:consecutive_5xx']);
  const gw = world(3, {}, { consecutive_gateway_failure: 3, enforcing_consecutive_gateway_failure: 100 });
  send(gw.hosts[1], 503, 3);
  assert.equal(gw.hosts[1].ejected, true);
  assert.deepEqual(gw.events, ['ejected:consecutive_gateway_failure']);
  const unenforced = world(3, {}, { consecutive_gateway_failure: 3, consecutive_5xx: 0 });
  send(unenforced.hosts[1], 504, 3);
  assert.equal(unenforced.hosts[1].ejected, false);
  assert.deepEqual(unenforced.events, ['detected:consecutive_gateway_failure']);
});

test('max_ejection_percent: never more than max(1, that share) of the hosts', () => {
  const small = world(3);
  for (const h of small.hosts) send(h, 500, 5);
  assert.deepEqual(small.hosts.map((h) => h.ejected), [true, false, false]);
  assert.deepEqual(small.events, ['ejected:consecutive_5xx', 'overflow:consecutive_5xx', 'overflow:consecutive_5xx']);
  const big = world(20);
  for (const h of big.hosts) send(h, 500, 5);
  assert.equal(big.hosts.filter((h) => h.ejected).length, 2);
  const none = world(3, { maxEjectionPercent: 0 });
  send(none.hosts[0], 503, 5);
  assert.equal(none.hosts[0].ejected, false);
  const one = world(3, { maxEjectionPercent: 0, alwaysEjectOneHost: true });
  send(one.hosts[0], 503, 5);
  send(one.hosts[1], 503, 5);
  assert.deepEqual(one.hosts.map((h) => h.ejected), [true, false, false]);
});

test('ejection lasts base × ejection count, capped by max_ejection_time, and ends at the interval tick', () => {
  const { hosts, detector, clock } = world(3, { intervalMs: 1000, baseEjectionMs: 2000, maxEjectionMs: 5000 });
  const h = hosts[0];
  const eject = () => send(h, 503, 5);
  eject();
  assert.equal(h.outlier!.ejectedForMs, 2000);
  clock.now = 1000;
  detector.tick(clock.now);
  assert.equal(h.ejected, true, 'still out after 1 s');
  clock.now = 2000;
  detector.tick(clock.now);
  assert.equal(h.ejected, false, 're-admitted after base × 1');
  eject();
  assert.equal(h.outlier!.ejectedForMs, 4000, 'second ejection in a row: base × 2');
  clock.now = 6000;
  detector.tick(clock.now);
  assert.equal(h.ejected, false);
  eject();
  assert.equal(h.outlier!.ejectedForMs, 5000, 'base × 3 capped at max_ejection_time');
  assert.equal(h.outlier!.ejections, 3);
  // Healthy intervals after re-admission bring the multiplier down again.
  clock.now = 11_000;
  detector.tick(clock.now);
  assert.equal(h.ejected, false);
  const backoff = h.outlier!.backoff;
  for (let t = 1; t <= 3; t++) detector.tick(11_000 + t * 1000);
  assert.equal(h.outlier!.backoff, backoff - 3);
});

test('local-origin failures: counted as 503/504 by default, on their own counter with the split', () => {
  const mixed = world(3);
  send(mixed.hosts[0], 'connect-failure', 2);
  send(mixed.hosts[0], 'timeout', 2);
  send(mixed.hosts[0], 500);
  assert.equal(mixed.hosts[0].ejected, true);
  assert.deepEqual(mixed.events, ['ejected:consecutive_5xx']);

  const split = world(3, {}, { split_external_local_origin_errors: true, consecutive_local_origin_failure: 3 });
  send(split.hosts[0], 'connect-timeout', 2);
  send(split.hosts[0], 500, 4);
  assert.equal(split.hosts[0].ejected, false, 'a response, even a 5xx, breaks the local-origin run');
  send(split.hosts[0], 'reset-before-response', 3);
  assert.equal(split.hosts[0].ejected, true);
  assert.deepEqual(split.events, ['ejected:consecutive_local_origin_failure']);
});

test('an overflow never reached the endpoint and counts for nothing', () => {
  const { hosts } = world(3);
  send(hosts[0], 'overflow', 10);
  assert.equal(hosts[0].ejected, false);
  assert.equal(hosts[0].outlier!.externalTotal, 0);
});

test('success rate: a host below mean − 1.9 × stdev is ejected at the interval', () => {
  const { hosts, detector, events } = world(6, { consecutive5xx: 0 }, { max_ejection_percent: 50 });
  for (const h of hosts.slice(0, 5)) { send(h, 200, 99); send(h, 500, 1); }
  send(hosts[5], 200, 60);
  send(hosts[5], 500, 40);
  detector.tick(10_000);
  assert.deepEqual(hosts.map((h) => h.ejected), [false, false, false, false, false, true]);
  assert.deepEqual(events, ['ejected:success_rate']);
  assert.equal(detector.successRateAverage, 92.5);
  assert.ok(detector.successRateThreshold > 60 && detector.successRateThreshold < 99);
  assert.equal(hosts[0].outlier!.lastSuccessRate, 99);
  assert.equal(hosts[0].outlier!.externalTotal, 0, 'counts start again each interval');
});

test('success rate needs request_volume per host and minimum_hosts such hosts', () => {
  const { hosts, detector, events } = world(6, { consecutive5xx: 0 });
  for (const h of hosts.slice(0, 3)) send(h, 200, 100);
  send(hosts[3], 200, 99); // one short of request_volume
  send(hosts[4], 200, 99);
  send(hosts[5], 500, 100); // 4 hosts with the volume: below minimum_hosts 5
  detector.tick(10_000);
  assert.equal(hosts.some((h) => h.ejected), false);
  assert.deepEqual(events, ['detected:failure_percentage'], 'failure percentage (not enforced by default) still looks');
  assert.equal(detector.successRateAverage, -1);
});

test('failure percentage: enforced only when enforcing_failure_percentage is set', () => {
  const off = world(5, { consecutive5xx: 0 });
  for (const h of off.hosts.slice(0, 4)) send(h, 200, 50);
  send(off.hosts[4], 500, 50);
  off.detector.tick(10_000);
  assert.deepEqual(off.events, ['detected:failure_percentage']);
  const on = world(5, { consecutive5xx: 0 }, { enforcing_failure_percentage: 100, failure_percentage_threshold: 50, failure_percentage_minimum_hosts: 3 });
  for (const h of on.hosts.slice(0, 4)) send(h, 200, 50);
  send(on.hosts[4], 200, 25);
  send(on.hosts[4], 500, 25);
  on.detector.tick(10_000);
  assert.deepEqual(on.hosts.map((h) => h.ejected), [false, false, false, false, true]);
  assert.deepEqual(on.events, ['ejected:failure_percentage']);
});

test('Envoy defaults: 10 s interval, 30 s base, 300 s max, 10 %, 5 consecutive 5xx', () => {
  const c = outlierConfig({});
  assert.equal(c.intervalMs, 10_000);
  assert.equal(c.baseEjectionMs, 30_000);
  assert.equal(c.maxEjectionMs, 300_000);
  assert.equal(c.maxEjectionPercent, 10);
  assert.equal(c.consecutive5xx, 5);
  assert.equal(c.successRate.stdevFactor, 1.9);
  assert.equal(outlierConfig({ base_ejection_time: '400s' }).maxEjectionMs, 400_000, 'unset max follows a larger base');
});
