import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { DURATION_BUCKETS, ProxyMetrics } from './metrics.ts';

const GOLDEN = new URL('./testdata/metrics.golden.prom', import.meta.url);

// --- a tiny text-format 0.0.4 parser: strict enough that a formatting slip fails it -------------

interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
}
interface Parsed {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
// dotAll: a label value may hold any character but an unescaped newline (\r and U+2028 included).
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`, 's');
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

function parseExposition(text: string): Parsed {
  assert.ok(text.endsWith('\n'), 'output ends with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = HELP_LINE.exec(line))) {
      assert.ok(!helps.has(m[1]), `HELP for ${m[1]} once`);
      helps.add(m[1]);
    } else if ((m = TYPE_LINE.exec(line))) {
      assert.ok(!types.has(m[1]), `TYPE for ${m[1]} once`);
      types.set(m[1], m[2]);
    } else if ((m = SAMPLE_LINE.exec(line))) {
      const [, name, rawLabels = '', rawValue] = m;
      assert.match(rawValue, VALUE, line);
      const family = familyOf(name, types);
      assert.ok(family, `sample ${name} follows its TYPE line`);
      samples.push({ name, labels: parseLabels(rawLabels, line), value: Number(rawValue.replace('Inf', 'Infinity')) });
    } else {
      assert.fail(`line matches no rule of the grammar: ${JSON.stringify(line)}`);
    }
  }
  return { types, samples };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.get(base) === 'histogram' ? base : undefined;
}

function parseLabels(raw: string, line: string): Map<string, string> {
  const labels = new Map<string, string>();
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < raw.length) {
    const m = LABEL.exec(raw);
    assert.ok(m, `label syntax: ${line}`);
    assert.ok(!labels.has(m[1]), `label ${m[1]} once: ${line}`);
    labels.set(m[1], m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
  }
  return labels;
}

/** Checks every histogram: buckets ascending in le, cumulative counts monotonic, +Inf last and equal to _count, _sum present. */
function checkHistograms(parsed: Parsed): number {
  let checked = 0;
  for (const [family, type] of parsed.types) {
    if (type !== 'histogram') continue;
    const bySeries = new Map<string, Sample[]>();
    const key = (s: Sample) => JSON.stringify([...s.labels].filter(([n]) => n !== 'le'));
    for (const s of parsed.samples.filter((s) => s.name.startsWith(family))) {
      bySeries.set(key(s), [...(bySeries.get(key(s)) ?? []), s]);
    }
    for (const series of bySeries.values()) {
      const buckets = series.filter((s) => s.name === `${family}_bucket`);
      const les = buckets.map((b) => Number(b.labels.get('le')!.replace('+Inf', 'Infinity')));
      assert.deepEqual(les, [...DURATION_BUCKETS, Infinity]);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
      const count = series.find((s) => s.name === `${family}_count`);
      assert.equal(count?.value, buckets.at(-1)!.value, '_count equals the +Inf bucket');
      assert.ok(series.some((s) => s.name === `${family}_sum`), '_sum present');
      checked++;
    }
  }
  return checked;
}

function value(parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  return parsed.samples.find((s) => s.name === name && want.every(([k, v]) => s.labels.get(k) === v))?.value;
}

// --- tests -------------------------------------------------------------------------------------

function smallRegistry(): ProxyMetrics {
  const m = new ProxyMetrics({ workload: 'web', namespace: 'shop' }, { version: '1.2.3', runtimeMetrics: false });
  const reviews = m.requests('outbound', 'outbound|9080||reviews.shop.svc.cluster.local', 'reviews');
  reviews.record(200, 0.003, undefined, true);
  reviews.record(200, 0.25, undefined, true); // exactly on a bound: counted in le="0.25"
  reviews.record(503, 75); // above the last bound: only in +Inf
  m.requests('inbound', 'inbound|8080||web.shop.svc.cluster.local', 'a"b\\c\nd').record(0, 0.0005, '14');
  const db = m.tcp('outbound', 'outbound|5432||db.shop.svc.cluster.local', true);
  db.opened();
  db.sent(100);
  db.received(2048);
  db.closed();
  m.counter('downstream_rejected', 'Downstream requests rejected before routing.', { reason: 'bad-request' }).inc();
  m.counter('downstream_rejected', 'ignored: first help wins', { reason: 'too-large' }).inc(3);
  m.gauge('active_connections', 'Open downstream connections.', { listener: '0.0.0.0_15001' }, () => 7);
  return m;
}

test('renders the golden exposition for a small registry', () => {
  const text = smallRegistry().render();
  if (process.env.WEFT_UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
  assert.equal(text, readFileSync(GOLDEN, 'utf8'));
});

test('the golden output satisfies the exposition grammar and histogram invariants', () => {
  const parsed = parseExposition(smallRegistry().render());
  assert.equal(checkHistograms(parsed), 3);
  assert.equal(value(parsed, 'weft_requests_total', { route: 'a"b\\c\nd', grpc_status: '14' }), 1);
  assert.equal(value(parsed, 'weft_request_duration_seconds_bucket', { response_code: '200', le: '0.1' }), 1);
  assert.equal(value(parsed, 'weft_request_duration_seconds_bucket', { response_code: '200', le: '0.25' }), 2);
  assert.equal(value(parsed, 'weft_request_duration_seconds_bucket', { response_code: '503', le: '60' }), 0);
  assert.equal(value(parsed, 'weft_request_duration_seconds_bucket', { response_code: '503', le: '+Inf' }), 1);
});

test('any label text and any durations render parseable, with counts that add up', () => {
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  fc.assert(
    fc.property(
      fc.record({ workload: text, namespace: text }),
      fc.array(
        fc.record({
          direction: fc.constantFrom('inbound' as const, 'outbound' as const),
          service: text,
          route: text,
          code: fc.oneof(fc.constantFrom(0, 200, 404, 503), fc.integer({ min: -1, max: 2000 })),
          seconds: fc.oneof(fc.double({ noNaN: false }), fc.double({ min: 0, max: 100, noNaN: true })),
          grpc: fc.option(fc.oneof(fc.constantFrom('0', '14', '16', '17', 'UNAVAILABLE'), text), { nil: undefined }),
          tls: fc.option(fc.boolean(), { nil: undefined }),
        }),
        { maxLength: 40 },
      ),
      (identity, records) => {
        const m = new ProxyMetrics(identity, { version: 'x', runtimeMetrics: false });
        for (const r of records) m.requests(r.direction, r.service, r.route).record(r.code, r.seconds, r.grpc, r.tls);
        const parsed = parseExposition(m.render());
        checkHistograms(parsed);
        const totals = parsed.samples.filter((s) => s.name === 'weft_requests_total');
        assert.equal(totals.reduce((n, s) => n + s.value, 0), records.length);
        for (const r of records) {
          const labels = { direction: r.direction, destination_service: r.service, route: r.route, response_code: String(r.code), grpc_status: r.grpc ?? '' };
          assert.ok(value(parsed, 'weft_requests_total', labels)! >= 1, 'each record is found under its own labels');
        }
        const seriesKeys = totals.map((s) => JSON.stringify([...s.labels]));
        assert.equal(new Set(seriesKeys).size, seriesKeys.length, 'no duplicate series');
      },
    ),
  );
});

test('label order is fixed; outbound fills source_*, inbound fills destination_*', () => {
  const m = new ProxyMetrics({ workload: 'web', namespace: 'shop' }, { runtimeMetrics: false });
  m.requests('outbound', 'svc', 'r').record(200, 0.01);
  m.requests('inbound', 'svc', 'r').record(200, 0.01);
  const [out, inb] = parseExposition(m.render()).samples.filter((s) => s.name === 'weft_requests_total');
  const order = ['direction', 'source_workload', 'source_namespace', 'destination_service', 'destination_workload', 'destination_namespace', 'route', 'response_code', 'grpc_status', 'tls'];
  assert.deepEqual([...out.labels.keys()], order);
  assert.deepEqual([...out.labels.values()], ['outbound', 'web', 'shop', 'svc', '', '', 'r', '200', '', '']);
  assert.deepEqual([...inb.labels.values()], ['inbound', '', '', 'svc', 'web', 'shop', 'r', '200', '', '']);
});

test('handles are cached per key, and series are shared between equal handles', () => {
  const m = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  assert.equal(m.requests('outbound', 's', 'r'), m.requests('outbound', 's', 'r'));
  assert.notEqual(m.requests('outbound', 's', 'r'), m.requests('inbound', 's', 'r'));
  assert.equal(m.tcp('outbound', 's'), m.tcp('outbound', 's'));
  assert.notEqual(m.tcp('outbound', 's'), m.tcp('outbound', 's', true));
  const h = m.requests('outbound', 's', 'r');
  h.record(200, 0.001);
  h.record(503, 0.001);
  h.record(200, 0.001); // switches back from the last-used series
  h.record(200, 0.001, 'UNAVAILABLE');
  h.record(200, 0.001, 'UNAVAILABLE');
  const parsed = parseExposition(m.render());
  assert.equal(value(parsed, 'weft_requests_total', { response_code: '200', grpc_status: '' }), 2);
  assert.equal(value(parsed, 'weft_requests_total', { response_code: '503' }), 1);
  assert.equal(value(parsed, 'weft_requests_total', { grpc_status: 'UNAVAILABLE' }), 2);
});

test('a NaN or negative duration is counted without poisoning _sum', () => {
  const m = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  const h = m.requests('outbound', 's', 'r');
  h.record(200, Number.NaN);
  h.record(200, -1);
  h.record(200, 0.5);
  const parsed = parseExposition(m.render());
  assert.equal(value(parsed, 'weft_request_duration_seconds_sum'), 0.5);
  assert.equal(value(parsed, 'weft_request_duration_seconds_count'), 3);
  assert.equal(value(parsed, 'weft_request_duration_seconds_bucket', { le: '0.0005' }), 2);
});

test('proxy counters and gauges: sorted labels, monotonic counters, failing readers skipped, names checked', () => {
  const m = new ProxyMetrics({ workload: 'w', namespace: 'n' }, { runtimeMetrics: false });
  const c = m.counter('retries', 'Retries.', { b: '2', a: '1' });
  assert.equal(m.counter('retries', 'Retries.', { a: '1', b: '2' }), c);
  c.inc();
  c.inc(2.5);
  c.inc(-10);
  m.gauge('broken', 'Reader throws.', {}, () => {
    throw new Error('gone');
  });
  m.gauge('pending', 'Pending.', {}, () => 1);
  m.gauge('pending', 'Pending.', {}, () => 2); // the second registration replaces the reader
  const text = m.render();
  assert.match(text, /^weft_proxy_retries_total\{a="1",b="2"\} 3\.5$/m);
  assert.match(text, /^weft_proxy_pending 2$/m);
  assert.doesNotMatch(text, /^weft_proxy_broken /m);
  parseExposition(text);
  assert.throws(() => m.counter('bad name', 'x', {}), { code: 'WEFT_INTERNAL' });
  assert.throws(() => m.counter('ok', 'x', { 'bad-label': 'v' }), { code: 'WEFT_INTERNAL' });
  assert.throws(() => m.counter('ok', 'x', { __reserved: 'v' }), { code: 'WEFT_INTERNAL' });
  assert.throws(() => m.gauge('retries_total', 'clashes with the counter family', {}, () => 0), { code: 'WEFT_INTERNAL' });
});

test('runtime families and build info are exposed and parse', async () => {
  const m = new ProxyMetrics({ workload: 'w', namespace: 'n' });
  await new Promise((resolve) => setTimeout(resolve, 30)); // let the loop monitor take samples
  const parsed = parseExposition(m.render());
  m.close();
  assert.equal(parsed.types.get('process_cpu_seconds_total'), 'counter');
  assert.ok(value(parsed, 'process_resident_memory_bytes')! > 1e6);
  assert.ok(value(parsed, 'process_cpu_seconds_total')! > 0);
  const lag = value(parsed, 'nodejs_eventloop_lag_p99_seconds')!;
  assert.ok(lag >= 0 && lag < 1, `lag ${lag}`);
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(value(parsed, 'weft_build_info', { version: pkg.version }), 1);
});
