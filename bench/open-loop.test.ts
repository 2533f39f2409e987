import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOpenLoop } from './load/open-loop.ts';

test('open loop sends exactly rate × seconds after warm-up and counts non-200 as errors', async () => {
  let served = 0;
  const server = createServer((req, res) => {
    served++;
    // Every 10th request fails, and one in 50 is slow: latency is still measured for it.
    if (served % 10 === 0) res.writeHead(503).end();
    else if (served % 50 === 1) setTimeout(() => res.end('slow'), 20);
    else res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const r = await runOpenLoop(`http://127.0.0.1:${port}/`, { rate: 400, seconds: 1, warmupSeconds: 0.5, cpu: undefined });
    assert.equal(r.scheduled, 400);
    assert.equal(served, 600);
    assert.equal(r.completed + r.errors, 400);
    assert.ok(r.errors >= 35 && r.errors <= 45, `errors ${r.errors}`);
    assert.deepEqual(r.errorKinds, { 'status 503': r.errors });
    assert.ok(r.latencyMs.p50 > 0 && r.latencyMs.p50 < 20, `p50 ${r.latencyMs.p50}`);
    assert.ok(r.latencyMs.max >= 20, `the slow answers show in max: ${r.latencyMs.max}`);
  } finally {
    server.close();
  }
});
