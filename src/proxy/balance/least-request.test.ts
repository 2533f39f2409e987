// LEAST_REQUEST beyond the shared suite: P2C prefers the less loaded endpoint, choice_count widens
// the comparison, and with unequal weights the active-request bias reshapes the split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpoint } from '../cluster/endpoint.ts';
import { createBalancer } from './index.ts';

const endpoints = (weights: readonly number[]) => weights.map((w, i) => new Endpoint('10.0.0.3', 200 + i, w, true, 'http1', 1000));

function share(choiceCount: number): number {
  const eps = endpoints([1, 1, 1, 1]);
  const b = createBalancer({ kind: 'least_request', choiceCount, activeRequestBias: 1 });
  b.update(eps);
  eps[0].activeRequests = 100;
  let busy = 0;
  for (let i = 0; i < 20_000; i++) if (b.pick() === eps[0]) busy++;
  return busy / 20_000;
}

test('the busy endpoint wins only when every choice drew it: (1/4)^choice_count', () => {
  assert.ok(Math.abs(share(2) - 1 / 16) < 0.015, `choice_count 2: ${share(2)}`);
  assert.ok(share(4) < 0.01, `choice_count 4: ${share(4)}`);
});

test('unequal weights: weight / (active + 1)^bias; bias 0 ignores load', () => {
  for (const bias of [0, 1]) {
    const eps = endpoints([1, 2]);
    const b = createBalancer({ kind: 'least_request', choiceCount: 2, activeRequestBias: bias });
    b.update(eps);
    eps[1].activeRequests = 10; // effective weights 1 and 2/11 with bias 1
    let heavy = 0;
    for (let i = 0; i < 1200; i++) if (b.pick() === eps[1]) heavy++;
    const expected = bias === 0 ? 2 / 3 : (2 / 11) / (1 + 2 / 11);
    // Smooth weighted round robin is exact over a cycle, so the split is the weights' to within a pick or two.
    assert.ok(Math.abs(heavy / 1200 - expected) < 0.01, `bias ${bias}: ${heavy / 1200} vs ${expected}`);
  }
});
