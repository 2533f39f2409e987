// Process and Node runtime gauges (memory, CPU, event-loop lag), sampled only at scrape time.
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { familyHeader, sampleLine } from './exposition.ts';

// 10 ms matches prom-client's default, so dashboards built for it read the same.
const RESOLUTION_MS = 10;

export class RuntimeMetrics {
  #loop: ELDHistogram;

  constructor() {
    this.#loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#loop.enable(); // libuv timer is unref'd: it never keeps the process alive
  }

  /** Appends the samples; resets the loop histogram so each scrape covers one interval. */
  render(out: string[]): void {
    const cpu = process.cpuUsage();
    out.push(
      familyHeader('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.'),
      sampleLine('process_resident_memory_bytes', '', process.memoryUsage.rss()),
      familyHeader('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.'),
      sampleLine('process_cpu_seconds_total', '', (cpu.user + cpu.system) / 1e6),
      familyHeader('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of event loop delay since the previous scrape, in seconds.'),
      sampleLine('nodejs_eventloop_lag_p99_seconds', '', this.#lagP99Seconds()),
    );
    this.#loop.reset();
  }

  stop(): void {
    this.#loop.disable();
  }

  #lagP99Seconds(): number {
    // An empty histogram reports its lowest trackable value, not 0.
    if (this.#loop.count === 0) return 0;
    // Each sample is the whole timer interval; the lag is what exceeds the resolution.
    return Math.max(0, this.#loop.percentile(99) / 1e9 - RESOLUTION_MS / 1e3);
  }
}
