// Prints the cost of one access-log line: ns per AccessLog.write(), formatting and batched
// writes to /dev/null included (timed until close() has written everything).
// Run: node src/proxy/observe/access-log.bench.ts  (a plain script; no timing asserts in tests)
import { AccessLog } from './access-log.ts';
import { formatAccessLogLine, type AccessLogRecord } from './access-log-format.ts';
import { fileSink } from './access-log-sink.ts';

const base: AccessLogRecord = {
  start_time: Date.now(), method: 'GET', path: '/api/v1/reviews/12345?page=2', authority: 'reviews.shop.svc.cluster.local:9080',
  protocol: 'HTTP/1.1', response_code: 200, response_flags: '-', weft_error: '', bytes_received: 0, bytes_sent: 1024,
  duration_ms: 3, upstream_service_time_ms: 2, upstream_host: '10.0.0.7:9080',
  upstream_cluster: 'outbound|9080||reviews.shop.svc.cluster.local', route_name: 'reviews', downstream_remote_address: '10.0.0.3:51234', downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/web',
  x_forwarded_for: '', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) curl/8.5.0', request_id: '8f6c2b1e-4f0a-4c57-9b1e-2f1d1c0e7a55', attempts: 1, rbac_policy: '',
};
// Distinct objects per call, as the proxy makes them, with a clock that advances.
const records = Array.from({ length: 4096 }, (_, i) => ({ ...base, start_time: base.start_time + i * 0.3, request_id: `${base.request_id.slice(0, -4)}${i}` }));

function formatOnly(n: number): number {
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bytes += formatAccessLogLine(records[i & 4095]).length;
  const ns = Number(process.hrtime.bigint() - start) / n;
  if (bytes === 0) throw new Error('unreachable');
  return ns;
}

async function endToEnd(n: number, open: () => AccessLog): Promise<number> {
  const log = open();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    log.write(records[i & 4095]);
    // Yield now and then, as the event loop does between requests.
    if ((i & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve));
  }
  await log.close();
  if (log.droppedLines !== 0) throw new Error(`${log.droppedLines} lines dropped`);
  return Number(process.hrtime.bigint() - start) / n;
}

// A tight loop outruns the threadpool's writes; lift the shedding limit to time every line.
const devNull = () => new AccessLog({ sink: fileSink('/dev/null'), maxBacklogBytes: Infinity });
const N = 1_000_000;
formatOnly(200_000); // warm-up
await endToEnd(200_000, devNull);
console.log(`line length ${formatAccessLogLine(base).length} bytes`);
console.log(`format only                         ${formatOnly(N).toFixed(0).padStart(6)} ns/line`);
console.log(`write → batched fs.write /dev/null  ${(await endToEnd(N, devNull)).toFixed(0).padStart(6)} ns/line`);
console.log(`disabled()                          ${(await endToEnd(N, () => AccessLog.disabled())).toFixed(0).padStart(6)} ns/line`);
