import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { bundlePem, mergeBundles, type TrustBundle } from './bundle.ts';
import { generateCa, type CertificateAuthority } from './ca.ts';
import { createCsr } from './csr.ts';
import { issueSvid } from './issue.ts';
import { parseTrustDomain, workloadId, type WorkloadIdentity } from './spiffe.ts';
import { spiffeServerIdentity, verifySocketPeer } from './tls-identity.ts';
import { verifyPeer } from './verify.ts';

const TD = parseTrustDomain('cluster.local');
const web = workloadId(TD, 'default', 'web');
const api = workloadId(TD, 'default', 'api');

interface Svid {
  readonly key: string;
  readonly cert: string;
}

async function svid(ca: CertificateAuthority, identity: WorkloadIdentity): Promise<Svid> {
  const { key, csrPem } = await createCsr(identity);
  return { key: key.exportPkcs8Pem(), cert: (await issueSvid(ca, csrPem, identity)).chainPem };
}

/** A TLS 1.3 server requiring client certificates; it answers each connection with the client's verified SPIFFE ID. */
async function mtlsServer(t: { after: (fn: () => void) => void }, own: Svid, bundle: TrustBundle, strict = true): Promise<number> {
  const server = tls.createServer({ key: own.key, cert: own.cert, ca: bundlePem(bundle), requestCert: true, rejectUnauthorized: strict, minVersion: 'TLSv1.3', ALPNProtocols: ['h2'] });
  server.on('secureConnection', (socket) => {
    const peer = verifySocketPeer(socket, bundle, 'client');
    socket.end(peer.ok ? `client=${peer.identity.id}` : `refused=${peer.reason}`);
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** Connects with `own` and returns what the server said and who the server was, or the handshake error. */
async function connect(port: number, own: Svid, bundle: TrustBundle, options: tls.ConnectionOptions = {}): Promise<{ said: string; server: string } | { error: Error }> {
  const socket = tls.connect({ host: '127.0.0.1', port, key: own.key, cert: own.cert, ca: bundlePem(bundle), minVersion: 'TLSv1.3', ALPNProtocols: ['h2'], ...options });
  try {
    await once(socket, 'secureConnect');
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    assert.equal(socket.alpnProtocol, 'h2');
    const peer = verifySocketPeer(socket, bundle, 'server');
    let said = '';
    socket.setEncoding('utf8').on('data', (d: string) => (said += d));
    await once(socket, 'end');
    return { said, server: peer.ok ? peer.identity.id : `refused=${peer.reason}` };
  } catch (error) {
    return { error: error as Error };
  } finally {
    socket.destroy();
  }
}

test('mTLS over node:tls: TLS 1.3, client certificate required, each side sees the other SPIFFE ID', async (t) => {
  const { ca } = await generateCa(TD);
  const port = await mtlsServer(t, await svid(ca, api), ca.bundle);
  const client = await svid(ca, web);
  const result = await connect(port, client, ca.bundle, { checkServerIdentity: spiffeServerIdentity(api.id, ca.bundle) });
  assert.deepEqual(result, { said: `client=${web.id}`, server: api.id });
});

test('the client refuses a server whose SPIFFE ID is not the announced one', async (t) => {
  const { ca } = await generateCa(TD);
  const port = await mtlsServer(t, await svid(ca, api), ca.bundle);
  const result = await connect(port, await svid(ca, web), ca.bundle, { checkServerIdentity: spiffeServerIdentity(workloadId(TD, 'default', 'db').id, ca.bundle) });
  assert.ok('error' in result);
  assert.match(result.error.message, /\[unexpected-identity\].*is spiffe:\/\/cluster\.local\/ns\/default\/sa\/api, expected spiffe:\/\/cluster\.local\/ns\/default\/sa\/db/);
});

test("node's default checkServerIdentity rejects a URI-only SVID (why spiffeServerIdentity exists)", async (t) => {
  const { ca } = await generateCa(TD);
  const port = await mtlsServer(t, await svid(ca, api), ca.bundle);
  const result = await connect(port, await svid(ca, web), ca.bundle, { servername: 'api' });
  assert.ok('error' in result);
  assert.equal((result.error as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('a server requiring client certificates refuses a client without one, and one from a foreign CA', async (t) => {
  const { ca } = await generateCa(TD);
  const foreign = await generateCa(TD);
  const port = await mtlsServer(t, await svid(ca, api), ca.bundle);
  const check = { checkServerIdentity: spiffeServerIdentity(api.id, ca.bundle) };
  for (const client of [{ key: undefined as unknown as string, cert: undefined as unknown as string }, await svid(foreign.ca, web)]) {
    const result = await connect(port, client, ca.bundle, check);
    // TLS 1.3: the server's alert arrives after the client's handshake completes, so it shows as an error or an empty answer.
    assert.ok('error' in result || !result.said.startsWith('client='), JSON.stringify(result));
  }
  // A server that lets the handshake finish (as PERMISSIVE mode will) learns why each client is not authenticated.
  const lenient = await mtlsServer(t, await svid(ca, api), ca.bundle, false);
  assert.deepEqual(await connect(lenient, { key: undefined as unknown as string, cert: undefined as unknown as string }, ca.bundle, check), { said: 'refused=no-certificate', server: api.id });
  assert.deepEqual(await connect(lenient, await svid(foreign.ca, web), ca.bundle, check), { said: 'refused=untrusted-root', server: api.id });
  assert.deepEqual(await connect(lenient, await svid(ca, web), ca.bundle, check), { said: `client=${web.id}`, server: api.id });
});

test('B6 rotation: an overlapping bundle accepts leaves of both roots; the new root alone refuses the old leaves', async (t) => {
  const old = await generateCa(TD);
  const next = await generateCa(TD);
  const overlap = mergeBundles(old.ca.bundle, next.ca.bundle);
  const oldLeaf = await issueSvid(old.ca, (await createCsr(web)).csrPem, web);
  const newLeaf = await issueSvid(next.ca, (await createCsr(web)).csrPem, web);
  const chainOf = (s: typeof oldLeaf) => s.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
  // Phase 1 and 2 (overlap): both accepted.
  for (const leaf of [oldLeaf, newLeaf]) assert.deepEqual(verifyPeer(chainOf(leaf), overlap, { role: 'client' }), { ok: true, identity: web });
  // Phase 3 (old root removed): the old leaf is refused.
  const phase3 = verifyPeer(chainOf(oldLeaf), next.ca.bundle, { role: 'client' });
  assert.equal(phase3.ok ? 'accepted' : phase3.reason, 'untrusted-root');
  assert.equal(verifyPeer(chainOf(newLeaf), next.ca.bundle, { role: 'client' }).ok, true);

  // The same over real handshakes: a server on the overlap bundle accepts both, on the new root only the new.
  const serverSvid = await svid(next.ca, api);
  const overlapPort = await mtlsServer(t, serverSvid, overlap);
  const newOnlyPort = await mtlsServer(t, serverSvid, next.ca.bundle);
  const oldClient = await svid(old.ca, web);
  const newClient = await svid(next.ca, web);
  const check = { checkServerIdentity: spiffeServerIdentity(api.id, overlap) };
  assert.deepEqual(await connect(overlapPort, oldClient, overlap, check), { said: `client=${web.id}`, server: api.id });
  assert.deepEqual(await connect(overlapPort, newClient, overlap, check), { said: `client=${web.id}`, server: api.id });
  assert.deepEqual(await connect(newOnlyPort, newClient, next.ca.bundle, check), { said: `client=${web.id}`, server: api.id });
  const refused = await connect(newOnlyPort, oldClient, next.ca.bundle, check);
  assert.ok('error' in refused || !refused.said.startsWith('client='), JSON.stringify(refused));
});
