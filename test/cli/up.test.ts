// Smoke test of `weft up --demo`: one command brings up the control plane, three apps with
// sidecars and a traffic generator; traffic flows through the mesh (both backend versions
// answer, nothing fails once it runs), and SIGINT stops every process it started. With a data
// directory (what the README runs) the demo sidecars hold certificates and talk mTLS; in memory
// they talk plaintext.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

for (const mode of ['data directory', 'in memory'] as const) test(`weft up --demo (${mode}): mesh and traffic in one command; Ctrl-C stops it all`, { timeout: 60_000 }, async () => {
  const store = mode === 'in memory' ? ['--in-memory'] : ['--data-dir', mkdtempSync(join(tmpdir(), 'weft-up-test-')), '--identity-tls-port', '0'];
  const child = spawn(process.execPath, [MAIN, 'up', '--demo', ...store, '--api-port', '0', '--xds-port', '0', '--rps', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 40_000;
    // The second report covers a full 5 s of the running demo.
    while (Date.now() < deadline && (out.match(/traffic: /g) ?? []).length < 2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const reports = out.split('\n').filter((l) => l.includes('traffic: '));
    assert.ok(reports.length >= 2, out);
    const last = reports[1];
    assert.match(last, /backend-v1: \d+/, last);
    assert.doesNotMatch(last, /failed/, last);
    const admins = [...out.matchAll(/admin http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(admins.length, 4, out);
    const status = await fetch(`${/REST API: (\S+)/.exec(out)![1]}/weft/v1/proxies`).then((r) => r.json()) as { proxies: unknown[] };
    assert.equal(status.proxies.length, 4);
    // Sidecar admins in start order: frontend-1, backend-v1-1, backend-v2-1, loadgen-1.
    const certs = await fetch(`http://127.0.0.1:${admins[0]}/certs`).then((r) => r.text());
    const backendStats = await fetch(`http://127.0.0.1:${admins[1]}/stats/prometheus`).then((r) => r.text());
    const inboundTls = backendStats.split('\n').filter((l) => l.startsWith('weft_requests_total{direction="inbound"') && !l.endsWith(' 0')).map((l) => /tls="(\w+)"/.exec(l)![1]);
    if (mode === 'data directory') {
      assert.match(certs, /spiffe:\/\/cluster\.local\/ns\/demo\/sa\/frontend/, 'the frontend sidecar serves its SPIFFE certificate');
      assert.deepEqual([...new Set(inboundTls)], ['true'], 'backend-v1 receives the demo traffic over mTLS only');
    } else {
      assert.doesNotMatch(certs, /spiffe:/);
      assert.deepEqual([...new Set(inboundTls)], ['false']);
    }

    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(r, 20_000, 'hung'))]);
    assert.equal(code, 0, out);
    for (const port of admins) {
      assert.equal(await fetch(`http://127.0.0.1:${port}/ready`).then(() => 'up', () => 'down'), 'down', `sidecar admin ${port} still answers`);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
