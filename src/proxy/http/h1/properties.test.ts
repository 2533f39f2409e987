// fast-check properties: split-invariance, pipelining, serialize→parse round trips, and mutation robustness with a canary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cuts, request, response, type ValidMessage } from './arbitraries.ts';
import { bytes, errorOf, record, splitAt, type H1Event } from './recorder.ts';
import { SMUGGLING_CORPUS } from './smuggling-corpus.ts';

const RUNS = Number(process.env.H1_PROPERTY_RUNS ?? 300);

/** The events a valid message must produce: its head, its whole body, its trailers if any, completion. */
function expectMessage(events: readonly H1Event[], m: ValidMessage): void {
  assert.equal(errorOf(events), null);
  const head = events[0];
  assert.equal(head[0], 'head');
  if (head[0] !== 'head') return;
  assert.deepEqual(head[1].headers, m.headers);
  if (m.target !== undefined) assert.equal('target' in head[1] && head[1].target, m.target);
  if (m.status !== undefined) assert.equal('status' in head[1] && head[1].status, m.status);
  const rest = events.slice(1);
  const expected: H1Event[] = [];
  if (m.body.length > 0) expected.push(['data', m.body]);
  if (m.trailers.length > 0) expected.push(['trailers', m.trailers]);
  expected.push(['complete']);
  assert.deepEqual(rest, expected);
}

test('property 1: a valid message split into arbitrary chunks gives the same events as fed whole', () => {
  for (const [kind, arb] of [['request', request], ['response', response]] as const) {
    fc.assert(
      fc.property(arb.chain((m) => fc.tuple(fc.constant(m), cuts(m.bytes.length))), ([m, at]) => {
        const whole = record(kind, [m.bytes]).events;
        expectMessage(whole, m);
        assert.deepEqual(record(kind, splitAt(m.bytes, at)).events, whole);
      }),
      { numRuns: RUNS },
    );
  }
});

test('property 2: pipelined messages parse in order, however the stream is split', () => {
  for (const [kind, arb] of [['request', request], ['response', response]] as const) {
    fc.assert(
      fc.property(
        fc.array(arb, { minLength: 1, maxLength: 5 }).chain((ms) => {
          const all = Buffer.concat(ms.map((m) => m.bytes));
          return fc.tuple(fc.constant(ms), fc.constant(all), cuts(all.length));
        }),
        ([ms, all, at]) => {
          const { events, parser } = record(kind, splitAt(all, at), { methods: ms.map(() => 'GET') });
          let from = 0;
          for (const m of ms) {
            const end = events.findIndex((e, i) => i >= from && e[0] === 'complete');
            assert.ok(end >= 0, 'every message completes');
            expectMessage(events.slice(from, end + 1), m);
            from = end + 1;
          }
          assert.equal(from, events.length);
          assert.equal(parser.idle, true);
        },
      ),
      { numRuns: RUNS },
    );
  }
});

test('property 3: serialize → parse round-trips heads and bodies (length and chunked, with trailers)', () => {
  // The generators build every message with serialize.ts; expectMessage checks the parse against the inputs.
  fc.assert(fc.property(request, (m) => expectMessage(record('request', [m.bytes]).events, m)), { numRuns: RUNS });
  fc.assert(fc.property(response, (m) => expectMessage(record('response', [m.bytes], { methods: ['GET'] }).events, m)), { numRuns: RUNS });
});

const CANARY = 'GET /canary HTTP/1.1\r\nHost: c\r\n\r\n';
const INTERESTING = [0x0d, 0x0a, 0x20, 0x09, 0x00, 0x0b, 0x3a, 0x3b, 0x2c, 0x30, 0x31, 0x35, 0x66, 0x2b, 0x2d, 0x22, 0x5f, 0xff];
const byte = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));
const mutation = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), b: byte }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), b: byte }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), b: fc.constant(0) }),
);

function mutate(input: Buffer, ms: readonly { op: 'replace' | 'insert' | 'delete'; at: number; b: number }[]): Buffer {
  const a = [...input];
  for (const { op, at, b } of ms) {
    const i = a.length === 0 ? 0 : at % (a.length + (op === 'insert' ? 1 : 0));
    if (op === 'replace' && a.length > 0) a[i] = b;
    else if (op === 'insert') a.splice(i, 0, b);
    else if (op === 'delete' && a.length > 0) a.splice(i, 1);
  }
  return Buffer.from(a);
}

const seeds = fc.oneof(request.map((m) => m.bytes), fc.constantFrom(...SMUGGLING_CORPUS.filter((v) => v.bytes.length < 2000).map((v) => v.bytes)));

test('property 4: mutated messages never throw or hang, split and whole agree, and an accepted one never hides the canary', () => {
  fc.assert(
    fc.property(seeds, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (seed, ms, at) => {
      checkMutated('request', Buffer.concat([mutate(seed, ms), bytes(CANARY)]), at);
    }),
    { numRuns: RUNS * 10 },
  );
});

test('property 4 for responses: the same, with a canary response and every refusal a 502', () => {
  fc.assert(
    fc.property(response, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (m, ms, at) => {
      checkMutated('response', Buffer.concat([mutate(m.bytes, ms), bytes(CANARY_RESPONSE)]), at);
    }),
    { numRuns: RUNS * 5 },
  );
});

const CANARY_RESPONSE = 'HTTP/1.1 299 Canary\r\nContent-Length: 7\r\n\r\n/canary';

function checkMutated(kind: 'request' | 'response', input: Buffer, at: readonly number[]): void {
  const options = { finish: true, resumeUpgrades: true, methods: ['GET', 'GET', 'GET'] };
  const started = performance.now();
  const whole = record(kind, [input], options);
  const split = record(kind, splitAt(input, at.map((n) => n % (input.length + 1))), options);
  assert.ok(performance.now() - started < 1000, 'parsing is linear, never stuck');
  const err = errorOf(whole.events);
  assert.equal(errorOf(split.events) === null, err === null, 'split and whole agree on acceptance');
  if (err !== null) {
    const allowed = kind === 'request' ? [400, 414, 417, 431, 501, 505] : [502];
    assert.ok(allowed.includes(err.status), `status ${err.status}`);
    return;
  }
  assert.deepEqual(split.events, whole.events);
  const heads = whole.events.flatMap((e) => (e[0] === 'head' ? [e[1]] : []));
  const last = heads[heads.length - 1];
  const canarySeen =
    last !== undefined &&
    ('target' in last ? last.target === '/canary' && last.headers.join() === 'host,c' : last.status === 299 && last.headers.join() === 'content-length,7');
  // The only other honest outcome: the canary's bytes were read as body of an explicitly framed (or close-delimited) message.
  const data = whole.events.flatMap((e) => (e[0] === 'data' ? [e[1]] : [])).join('');
  const canaryHead = kind === 'request' ? CANARY.slice(0, CANARY.indexOf('\r')) : CANARY_RESPONSE.slice(0, CANARY_RESPONSE.indexOf('\r'));
  assert.ok(canarySeen || data.includes(canaryHead), `canary lost: ${JSON.stringify(input.toString('latin1'))}`);
  assert.deepEqual(whole.events[whole.events.length - 1], ['complete']);
}
