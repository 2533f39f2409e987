// Replays the smuggling corpus through the parser, each vector followed by a canary, whole and byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMUGGLING_CORPUS } from './smuggling-corpus.ts';
import { bytes, errorOf, record, type H1Event } from './recorder.ts';

const CANARY = bytes('GET /canary HTTP/1.1\r\nHost: c\r\n\r\n');

function targets(events: readonly H1Event[]): string[] {
  return events.flatMap((e) => (e[0] === 'head' && 'target' in e[1] ? [e[1].target] : []));
}

function body(events: readonly H1Event[]): string {
  return events.flatMap((e) => (e[0] === 'data' ? [e[1]] : [])).join('');
}

test('corpus has unique names and covers every family', () => {
  const names = SMUGGLING_CORPUS.map((v) => v.name);
  assert.equal(new Set(names).size, names.length);
  for (const family of ['CL.TE', 'TE.CL', 'TE xchunked', 'TE obs-fold', 'CL +1', 'CL 1,1', 'CL.0']) {
    assert.ok(names.some((n) => n.startsWith(family)), family);
  }
  assert.ok(SMUGGLING_CORPUS.length >= 80);
});

for (const v of SMUGGLING_CORPUS) {
  test(`smuggling vector: ${v.name} → ${v.expect}${v.reason ? ` ${v.reason}` : ''}`, () => {
    const input = Buffer.concat([v.bytes, CANARY]);
    for (const chunks of [[input], [...input].map((b) => Buffer.from([b]))]) {
      const { events } = record('request', chunks, { finish: true });
      const seen = targets(events);
      assert.ok(!seen.includes('/smuggled'), `a request hidden in the body was parsed: ${seen.join(' ')}`);
      if (v.expect === 200) {
        assert.equal(errorOf(events), null);
        assert.equal(seen.length, 2, `exactly the vector and the canary: ${seen.join(' ')}`);
        assert.equal(seen[1], '/canary');
        const canaryAt = events.findIndex((e) => e[0] === 'head' && 'target' in e[1] && e[1].target === '/canary');
        assert.equal(body(events.slice(0, canaryAt)), v.body);
        assert.deepEqual(events[events.length - 1], ['complete']);
      } else {
        assert.equal(errorOf(events)?.status, v.expect);
        if (chunks.length === 1) assert.equal(errorOf(events)?.reason, v.reason);
        assert.ok(!seen.includes('/canary'), 'the canary must not be parsed after a refused message');
        assert.equal(seen.length, v.stage === 'body' ? 1 : 0, `heads delivered: ${seen.join(' ')}`);
      }
    }
  });
}
