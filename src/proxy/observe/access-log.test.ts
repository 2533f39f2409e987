import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { AccessLog } from './access-log.ts';
import { formatAccessLogLine, type AccessLogRecord } from './access-log-format.ts';
import { streamSink, type AccessLogSink } from './access-log-sink.ts';

function record(overrides: Partial<AccessLogRecord> = {}): AccessLogRecord {
  return {
    start_time: Date.UTC(2025, 0, 2, 3, 4, 5, 67),
    method: 'GET',
    path: '/reviews/1?x="y"',
    authority: 'reviews.shop.svc.cluster.local:9080',
    protocol: 'HTTP/1.1',
    response_code: 503,
    response_flags: 'UF,URX',
    weft_error: 'upstream-connect-failed',
    bytes_received: 0,
    bytes_sent: 91,
    duration_ms: 12.5,
    upstream_service_time_ms: -1,
    upstream_host: '10.0.0.7:9080',
    upstream_cluster: 'outbound|9080||reviews.shop.svc.cluster.local',
    route_name: 'reviews',
    downstream_remote_address: '10.0.0.3:51234', downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/web',
    x_forwarded_for: '',
    user_agent: 'curl/8.5\n"quoted" \\ \u2028 \ud800',
    request_id: 'f0e1',
    attempts: 3,
    rbac_policy: '',
    ...overrides,
  };
}

const KEYS = Object.keys(record());

/** A sink that records what it is given; write calls are what batching is measured by. */
class FakeSink implements AccessLogSink {
  batches: string[] = [];
  closed = false;
  backlogBytes = 0;
  write(batch: Buffer): void {
    this.batches.push(batch.toString());
  }
  backlog(): number {
    return this.backlogBytes;
  }
  failedLines(): number {
    return 0;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  lines(): string[] {
    return this.batches.join('').split('\n').slice(0, -1);
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('a record round-trips through JSON.parse with keys in the declared order', () => {
  const line = formatAccessLogLine(record());
  assert.ok(line.endsWith('}\n') && line.indexOf('\n') === line.length - 1, 'exactly one line');
  const parsed = JSON.parse(line);
  assert.deepEqual(Object.keys(parsed), KEYS);
  assert.deepEqual(parsed, { ...record(), start_time: '2025-01-02T03:04:05.067Z' });
});

test('any record formats exactly as JSON.stringify would, on the plain and the escaping path', () => {
  // Mostly-plain strings take the no-escape path; binary ones the escaping path.
  const text = fc.oneof(fc.stringMatching(/^[\w./:;, ()-]{0,30}$/), fc.string({ unit: 'binary' }));
  const int = fc.integer({ min: -1, max: 2 ** 40 });
  const time = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double({ min: 0, max: 4e12, noNaN: true }));
  fc.assert(
    fc.property(
      fc.record({
        start_time: time, method: text, path: text, authority: text, protocol: text, response_code: int, response_flags: text,
        weft_error: text, bytes_received: int, bytes_sent: int, duration_ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
        upstream_service_time_ms: int, upstream_host: text, upstream_cluster: text, route_name: text,
        downstream_remote_address: text, downstream_peer_uri_san: text, x_forwarded_for: text, user_agent: text, request_id: text, attempts: int, rbac_policy: text,
      }),
      (r) => {
        const expected = JSON.stringify({ ...r, start_time: new Date(r.start_time).toISOString() });
        assert.equal(formatAccessLogLine(r), `${expected}\n`);
      },
    ),
    { numRuns: 300 },
  );
  const plain = record({ user_agent: 'curl/8.5', path: '/reviews/1' });
  assert.equal(formatAccessLogLine(plain), `${JSON.stringify({ ...plain, start_time: '2025-01-02T03:04:05.067Z' })}\n`);
});

test('a field that needs escaping is escaped even right after a plain value of the same field', () => {
  const fields = ['method', 'path', 'authority', 'protocol', 'response_flags', 'weft_error', 'upstream_host', 'upstream_cluster',
    'route_name', 'downstream_remote_address', 'x_forwarded_for', 'user_agent', 'request_id'] as const;
  for (const field of fields) {
    for (const value of ['plain-value', 'q"uote', 'back\\slash', 'ctl\u0001', 'lone\ud800', 'plain-value', '']) {
      const r = record({ [field]: value });
      assert.equal(formatAccessLogLine(r), `${JSON.stringify({ ...r, start_time: '2025-01-02T03:04:05.067Z' })}\n`, `${field}=${JSON.stringify(value)}`);
    }
  }
});

test('numbers with no JSON spelling and impossible times become null, not broken JSON', () => {
  const parsed = JSON.parse(formatAccessLogLine(record({ start_time: Number.NaN, duration_ms: Infinity, bytes_sent: Number.NaN })));
  assert.equal(parsed.start_time, null);
  assert.equal(parsed.duration_ms, null);
  assert.equal(parsed.bytes_sent, null);
  assert.equal(JSON.parse(formatAccessLogLine(record({ start_time: 9e15 }))).start_time, null);
});

test('many writes become few sink writes: 256 lines per batch, the rest on the next turn', async () => {
  const sink = new FakeSink();
  const log = new AccessLog({ sink, maxBatchBytes: 1 << 20 }); // lines here are ~0.5 KB: test the line limit alone
  for (let i = 0; i < 1000; i++) log.write(record({ request_id: String(i) }));
  assert.equal(sink.batches.length, 3, 'three full batches synchronously');
  await nextTurn();
  assert.equal(sink.batches.length, 4, 'the remainder on the next turn');
  assert.deepEqual(sink.lines().map((l) => JSON.parse(l).request_id), Array.from({ length: 1000 }, (_, i) => String(i)));
});

test('a single line is never written synchronously; it goes out on the next turn', async () => {
  const sink = new FakeSink();
  const log = new AccessLog({ sink });
  log.write(record());
  log.write(record());
  assert.equal(sink.batches.length, 0);
  await nextTurn();
  assert.equal(sink.batches.length, 1);
  assert.equal(sink.lines().length, 2);
  await nextTurn();
  assert.equal(sink.batches.length, 1, 'no empty batches');
});

test('large lines flush by size before the line limit; batches never pass 64 KiB', async () => {
  const sink = new FakeSink();
  const log = new AccessLog({ sink });
  const big = record({ path: `/${'é'.repeat(4000)}` }); // 2-byte UTF-8: bytes, not characters, count
  const size = Buffer.byteLength(formatAccessLogLine(big));
  for (let i = 0; i < 20; i++) log.write(big);
  const perBatch = Math.floor((64 * 1024) / size);
  assert.equal(sink.batches.length, Math.floor(20 / perBatch));
  for (const b of sink.batches) assert.equal(Buffer.byteLength(b), perBatch * size);
  log.write(record({ path: `/${'y'.repeat(70 * 1024)}` })); // larger than a batch: goes out alone, in order
  await log.close();
  assert.equal(sink.lines().length, 21);
  assert.equal(JSON.parse(sink.lines()[20]).path.length, 70 * 1024 + 1);
});

test('close flushes pending lines and waits for the sink; later writes are counted as dropped', async () => {
  const sink = new FakeSink();
  const log = new AccessLog({ sink });
  for (let i = 0; i < 10; i++) log.write(record());
  const closing = log.close();
  assert.equal(log.close(), closing, 'close is idempotent');
  await closing;
  assert.equal(sink.lines().length, 10);
  assert.ok(sink.closed);
  log.write(record());
  await nextTurn();
  assert.equal(sink.lines().length, 10);
  assert.equal(log.droppedLines, 1);
});

test('a stalled sink sheds whole batches past the backlog limit, but never the final one on close', async () => {
  const sink = new FakeSink();
  const log = new AccessLog({ sink, maxBacklogBytes: 1000, maxBatchBytes: 1 << 20 });
  sink.backlogBytes = 5000;
  for (let i = 0; i < 300; i++) log.write(record());
  assert.equal(sink.batches.length, 0);
  assert.equal(log.droppedLines, 256);
  await log.close();
  assert.equal(sink.lines().length, 44);
  assert.equal(log.droppedLines, 256);
});

test('file sink: nothing lost or reordered across many batches and close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-access-log-'));
  try {
    const path = join(dir, 'access.log');
    const log = AccessLog.toFile(path);
    for (let i = 0; i < 5000; i++) {
      log.write(record({ request_id: String(i) }));
      if (i % 700 === 0) await nextTurn(); // mix size-triggered and turn-triggered batches
    }
    await log.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l).request_id), Array.from({ length: 5000 }, (_, i) => String(i)));
    assert.equal(log.droppedLines, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('toFile on an unusable path fails at once with WEFT_IO', () => {
  assert.throws(() => AccessLog.toFile('/nonexistent-dir/access.log'), { code: 'WEFT_IO' });
});

test('stream sink: close waits for the stream to take every batch; write errors count as lost lines', async () => {
  const chunks: string[] = [];
  const slow = new Writable({
    write(chunk: Buffer, _enc, done) {
      setTimeout(() => {
        chunks.push(chunk.toString());
        done();
      }, 5);
    },
  });
  const log = new AccessLog({ sink: streamSink(slow) });
  for (let i = 0; i < 600; i++) log.write(record());
  await log.close();
  assert.equal(chunks.join('').split('\n').length - 1, 600);

  const broken = new Writable({ write: (_chunk, _enc, done) => done(new Error('EPIPE')) });
  broken.on('error', () => {});
  const failing = new AccessLog({ sink: streamSink(broken) });
  for (let i = 0; i < 3; i++) failing.write(record());
  await failing.close();
  assert.equal(failing.droppedLines, 3);
});

test('disabled log formats nothing and closes at once', async () => {
  const log = AccessLog.disabled();
  assert.equal(log.enabled, false);
  log.write(record());
  log.flush();
  await log.close();
  assert.equal(log.droppedLines, 0);
});
