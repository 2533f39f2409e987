// Prints the cost of the request path's metric update: ns per RequestMetrics.record().
// Run: node src/proxy/observe/metrics.bench.ts  (a plain script; no timing asserts in tests)
import { ProxyMetrics } from './metrics.ts';

const m = new ProxyMetrics({ workload: 'web', namespace: 'shop' }, { runtimeMetrics: false });
const handles = [
  m.requests('outbound', 'outbound|9080||reviews.shop.svc.cluster.local', 'reviews'),
  m.requests('outbound', 'outbound|9080||ratings.shop.svc.cluster.local', 'ratings'),
];
// Durations spread over the buckets the way proxy latencies are: mostly sub-10 ms.
const durations = Float64Array.from({ length: 1024 }, (_, i) => 0.0002 * (1 + (i % 50)) + (i % 97 === 0 ? 0.3 : 0));

function run(label: string, n: number, code: (i: number) => number, grpc?: string): void {
  const h = handles[0];
  for (let i = 0; i < 200_000; i++) h.record(code(i), durations[i & 1023], grpc, true); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.record(code(i), durations[i & 1023], grpc, true);
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${label.padEnd(48)} ${ns.toFixed(1).padStart(6)} ns/record`);
}

const N = 10_000_000;
run('record(), one response code', N, () => 200);
run('record(), 2 % of responses 503', N, (i) => (i % 50 === 0 ? 503 : 200));
run('record(), gRPC status "0"', N, () => 200, '0');
run('record(), alternating codes (no last-hit cache)', N, (i) => (i & 1 ? 200 : 404));

const start = process.hrtime.bigint();
for (let i = 0; i < 2_000_000; i++) handles[i & 1].record(200, durations[i & 1023]);
console.log(`${'record(), two handles interleaved'.padEnd(48)} ${(Number(process.hrtime.bigint() - start) / 2_000_000).toFixed(1).padStart(6)} ns/record`);

const t0 = process.hrtime.bigint();
const text = m.render();
console.log(`render(): ${text.length} bytes in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`);
