import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseWrk } from './load/wrk.ts';

// Real wrk 4.1 output with --latency and wrk-report.lua, errors included.
const WITH_LUA = `Running 10s test @ http://127.0.0.1:18080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   209.29us  103.77us   2.28ms   95.23%
    Req/Sec   215.05k    24.36k  233.25k    90.00%
  Latency Distribution
     50%  215.00us
     75%  255.00us
     90%  276.00us
     99%  494.00us
  2135020 requests in 10.00s, 303.40MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec: 213496.31
Transfer/sec:     30.34MB
weft-bench latency_us p50=215.0 p90=276.0 p99=494.0 p99.9=1600.0 max=2281.0 mean=209.3
`;

test('parses throughput, Lua percentiles and every kind of error', () => {
  const r = parseWrk(WITH_LUA);
  assert.equal(r.requests, 2135020);
  assert.equal(r.seconds, 10);
  assert.equal(r.rps, 213496.31);
  assert.deepEqual(r.latencyMs, { p50: 0.215, p90: 0.276, p99: 0.494, p999: 1.6, max: 2.281 });
  assert.equal(r.errors, 3 + 2 + 7);
});

test('without the Lua line falls back to --latency, with no p99.9', () => {
  const plain = WITH_LUA.split('\n').filter((l) => !l.startsWith('weft-bench')).join('\n')
    .replace('     99%  494.00us', '     99%    1.50ms');
  const r = parseWrk(plain);
  assert.equal(r.latencyMs.p50, 0.215);
  assert.equal(r.latencyMs.p99, 1.5);
  assert.equal(r.latencyMs.p999, undefined);
  assert.equal(r.latencyMs.max, 2.28);
});

test('a clean run has zero errors', () => {
  const clean = WITH_LUA.replace(/^\s+(Socket errors|Non-2xx).*\n/gm, '');
  assert.equal(parseWrk(clean).errors, 0);
});

test('durations in every unit wrk prints', () => {
  assert.equal(parseDuration('456.00us'), 0.456);
  assert.equal(parseDuration('1.23ms'), 1.23);
  assert.equal(parseDuration('2.00s'), 2000);
  assert.equal(parseDuration('1.50m'), 90_000);
  assert.throws(() => parseDuration('12 parsecs'), /unrecognised/);
});

test('output without a summary (wrk failed to connect) is an error, not zeros', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), /no summary/);
});
