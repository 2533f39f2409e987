import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSecondsPer1k, descendants, parseCpuLine, parseStat, parseVmHwmKiB, treeCpuTicks } from './proc.ts';

// A real /proc/<pid>/stat line, with a command name holding spaces and a ')'.
const STAT = '4242 (nginx: a) b) S 4240 4242 4242 0 -1 4194624 1312 0 0 0 1234 567 89 10 20 0 1 0 123456 '
  + '67108864 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';

test('parseStat counts fields from the last ")" and sums utime, stime, cutime, cstime', () => {
  assert.deepEqual(parseStat(STAT), { ppid: 4240, ticks: 1234 + 567 + 89 + 10 });
  assert.throws(() => parseStat('garbage'), /not a \/proc stat line/);
  assert.throws(() => parseStat('1 (x) S 0 1'), /truncated/);
});

test('CPU seconds per 1,000 requests from two tick samples', () => {
  // 250 ticks at 100 Hz = 2.5 s of CPU for 100,000 requests → 0.025 s per 1,000.
  assert.equal(cpuSecondsPer1k(1000, 1250, 100, 100_000), 0.025);
  assert.ok(Number.isNaN(cpuSecondsPer1k(0, 10, 100, 0)));
});

test('VmHWM in KiB, 0 when the field is absent', () => {
  assert.equal(parseVmHwmKiB('Name:\tnginx\nVmPeak:\t  20000 kB\nVmHWM:\t    9216 kB\nVmRSS:\t 8000 kB\n'), 9216);
  assert.equal(parseVmHwmKiB('Name:\tzombie\nState:\tZ (zombie)\n'), 0);
});

test('descendants walks the whole tree from the root, nothing else', () => {
  const parentOf = new Map([[10, 1], [11, 10], [12, 10], [13, 12], [20, 1]]);
  assert.deepEqual(descendants(10, parentOf).sort(), [10, 11, 12, 13]);
  assert.deepEqual(descendants(20, parentOf), [20]);
});

test('treeCpuTicks reads this very process', () => {
  const start = treeCpuTicks(process.pid);
  const end = Date.now() + 150;
  while (Date.now() < end) { /* burn a few ticks */ }
  assert.ok(treeCpuTicks(process.pid) > start);
});

test('parseCpuLine: task time plus steal; idle, iowait, irq and softirq left out', () => {
  // fields: user nice system idle iowait irq softirq steal guest guest_nice
  const stat = 'cpu  46556 0 16844 246666 391 0 7774 20 0 0\ncpu0 25849 1 6274 123358 44 2 4204 9 500 0\ncpu1 20706 0 10570 123307 346 0 3570 11 0 0\n';
  assert.equal(parseCpuLine(stat, 0), 25849 + 1 + 6274 + 9);
  assert.equal(parseCpuLine(stat, 1), 20706 + 10570 + 11);
  assert.throws(() => parseCpuLine(stat, 7), /no cpu7 line/);
});
