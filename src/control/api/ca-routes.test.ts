import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, parseTrustDomain, RotatingCa } from '../../pki/index.ts';
import { CaAdmin, IssuanceLog } from '../identity/index.ts';
import { openMemoryStore } from '../sources/store/index.ts';
import { startApiServer } from './server.ts';

const TD = parseTrustDomain('cluster.local');

async function api(t: { after: (fn: () => Promise<void>) => void }, withCa: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-ca-api-'));
  const admin = withCa ? new CaAdmin(await RotatingCa.open({ dir: join(dir, 'ca'), trustDomain: TD }), IssuanceLog.inMemory()) : undefined;
  const server = await startApiServer({ store: openMemoryStore(), address: '127.0.0.1', port: 0, ca: () => admin });
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
    return { code: res.status, body: (await res.json()) as { phase?: string; message?: string; reason?: string; roots?: unknown[] } };
  };
  return { dir, call };
}

test('GET /weft/v1/ca and POST /weft/v1/ca/rotate/{step}: steps in order, clear refusals as Status objects', async (t) => {
  const { dir, call } = await api(t, true);
  assert.equal((await call('GET', '/weft/v1/ca')).body.phase, 'steady');
  const early = await call('POST', '/weft/v1/ca/rotate/finish');
  assert.equal(early.code, 409);
  assert.equal(early.body.reason, 'Conflict');
  assert.match(early.body.message!, /no rotation in progress/);
  const bad = [
    [await call('POST', '/weft/v1/ca/rotate/prepare', { caCert: 'rel/ca.pem', caKey: '/k' }), 400, /caCert must be an absolute path/],
    [await call('POST', '/weft/v1/ca/rotate/prepare', { caCert: '/a' }), 400, /needs both caCert and caKey/],
    [await call('POST', '/weft/v1/ca/rotate/prepare', { cacert: '/a' }), 400, /unknown field "cacert"/],
    [await call('POST', '/weft/v1/ca/rotate/activate', { force: true }), 400, /--force goes with `weft ca rotate finish`/],
    [await call('POST', '/weft/v1/ca/rotate/prepare', { caCert: join(dir, 'none.pem'), caKey: join(dir, 'none-key.pem') }), 422, /cannot read the CA certificate.*read by the control plane/],
    [await call('GET', '/weft/v1/ca/rotate/prepare'), 400, /GET is not allowed .*allowed: POST/],
    [await call('POST', '/weft/v1/ca'), 400, /POST is not allowed on \/weft\/v1\/ca/],
    [await call('POST', '/weft/v1/ca/rotate/rollback'), 404, /POST \/weft\/v1\/ca\/rotate\/\{prepare,activate,finish\}/],
  ] as const;
  for (const [res, code, pattern] of bad) {
    assert.equal(res.code, code, res.body.message);
    assert.match(res.body.message!, pattern);
  }
  assert.equal((await call('GET', '/weft/v1/ca')).body.phase, 'steady', 'refusals change nothing');

  // A brought new CA by path.
  const { root, issuer } = await generateCa(TD);
  await writeFile(join(dir, 'n-cert.pem'), issuer.cert.toString());
  await writeFile(join(dir, 'n-key.pem'), issuer.key.exportPkcs8Pem());
  await writeFile(join(dir, 'n-roots.pem'), root.cert.toString());
  const prepared = await call('POST', '/weft/v1/ca/rotate/prepare', { caCert: join(dir, 'n-cert.pem'), caKey: join(dir, 'n-key.pem'), caRoots: join(dir, 'n-roots.pem') });
  assert.equal(prepared.code, 200, prepared.body.message);
  assert.equal(prepared.body.phase, 'prepared');
  assert.equal(prepared.body.roots?.length, 2);
  assert.equal((await call('POST', '/weft/v1/ca/rotate/activate')).body.phase, 'activated');
  assert.equal((await call('POST', '/weft/v1/ca/rotate/finish', { force: false })).body.phase, 'steady');
});

test('without an identity service the CA routes answer 404 saying why', async (t) => {
  const { call } = await api(t, false);
  const res = await call('GET', '/weft/v1/ca');
  assert.equal(res.code, 404);
  assert.match(res.body.message!, /runs no identity service \(it is off with --in-memory\)/);
});
