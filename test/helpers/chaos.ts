// Chaos-test tools shared by the C1/C2/C5/C6 tests: a crash loop over scripted upstreams, a
// closed-loop keep-alive GET load, quantiles, and the retry counters read from /stats/prometheus.
import http from 'node:http';
import type { RunningProxy } from './proxy.ts';
import type { ScriptedUpstream } from './scripted-upstream.ts';

/**
 * Runs `body` while one upstream after another is killed abruptly (every socket destroyed) and
 * restarted on its port `downMs` later, a kill every `everyMs` (RELIABILITY.md C1's 5 s / 2 s, scaled down).
 */
export async function withCrashes<T>(ups: readonly ScriptedUpstream[], body: () => Promise<T>, everyMs = 1200, downMs = 500): Promise<{ result: T; kills: number }> {
  let stop = false;
  let kills = 0;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const chaos = (async () => {
    for (let i = 0; !stop; i++) {
      await sleep(everyMs - downMs);
      if (stop) break;
      const victim = ups[i % ups.length];
      await victim.kill();
      kills++;
      await sleep(downMs);
      await victim.restart();
    }
  })();
  const result = await body();
  stop = true;
  await chaos;
  return { result, kills };
}

export interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly latencies: number[];
  readonly errors: string[];
  readonly total: number;
}

/** `concurrency` clients on keep-alive connections, each sending GETs back to back for `ms`. */
export async function getLoad(port: number, path: string, concurrency: number, ms: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const errors: string[] = [];
  const end = performance.now() + ms;
  const one = (): Promise<void> => new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - started);
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        resolve();
      });
    });
    req.on('error', (e) => { errors.push(e.message); resolve(); });
  });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) await one();
  }));
  agent.destroy();
  return { statuses, latencies, errors, total: latencies.length + errors.length };
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

/** weft_retries_total by reason and weft_retry_overflow_total of one cluster. */
export async function retryCounts(proxy: RunningProxy, cluster: string): Promise<{ retries: number; byReason: Map<string, number>; overflows: number }> {
  const text = await (await proxy.admin('/stats/prometheus')).text();
  const byReason = new Map<string, number>();
  let retries = 0;
  for (const m of text.matchAll(/^weft_retries_total\{([^}]*)\} (\d+)$/gm)) {
    if (!m[1].includes(`cluster="${cluster}"`)) continue;
    const reason = /reason="([^"]*)"/.exec(m[1])?.[1] ?? '';
    byReason.set(reason, Number(m[2]));
    retries += Number(m[2]);
  }
  const overflows = Number(new RegExp(`^weft_retry_overflow_total\\{cluster="${cluster}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { retries, byReason, overflows };
}
