import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { bundlePem, createCsr, generateCa, issueSvid, parseTrustDomain, workloadId, type SpiffeId, type WorkloadIdentity } from '../../pki/index.ts';
import { SecretStore } from './secrets.ts';
import { UpstreamTls } from './upstream.ts';

const TD = parseTrustDomain('cluster.local');
const { ca } = await generateCa(TD);
const api = workloadId(TD, 'shop', 'api');
const web = workloadId(TD, 'shop', 'web');

async function svid(identity: WorkloadIdentity): Promise<{ cert: string; key: string }> {
  const { key, csrPem } = await createCsr(identity);
  return { cert: (await issueSvid(ca, csrPem, identity)).chainPem, key: key.exportPkcs8Pem() };
}

const server = await svid(api);
const client = await svid(web);

/** An mTLS server that answers with the SPIFFE ID it saw. */
async function listen(t: { after: (fn: () => void) => void }): Promise<number> {
  const s = tls.createServer({ key: server.key, cert: server.cert, ca: bundlePem(ca.bundle), requestCert: true, rejectUnauthorized: true });
  s.on('secureConnection', (socket) => socket.end(String(socket.getPeerCertificate().subjectaltname)));
  s.on('tlsClientError', () => {});
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  t.after(() => s.close());
  return (s.address() as AddressInfo).port;
}

function exchange(upstream: UpstreamTls, port: number, expected: readonly SpiffeId[] | null): Promise<string> {
  return new Promise((resolve) => {
    const socket = upstream.connect('127.0.0.1', port, expected);
    let data = '';
    socket.on('data', (d: Buffer) => { data += d.toString(); });
    socket.on('error', (e) => resolve(`error: ${e.message}`));
    socket.on('end', () => resolve(data));
  });
}

function upstreamWith(sanPrefix: string): UpstreamTls {
  const secrets = new SecretStore(() => {});
  secrets.define({ name: 'own', tls_certificate: { certificate_chain: { inline_string: client.cert }, private_key: { inline_string: client.key } } }, 'own');
  // A plain trusted_ca: the trust domain is pinned by the SAN prefix, as Istio's configs do.
  secrets.define({ name: 'trust', validation_context: { trusted_ca: { inline_string: bundlePem(ca.bundle) }, match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: sanPrefix } }] } }, 'trust');
  return new UpstreamTls({ name: 'c', certificate: 'own', validation: 'trust', sanMatchers: [], sni: '', alpn: [], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, secrets);
}

test('a trusted_ca context with a SAN prefix accepts a server of that prefix and presents the client SVID', async (t) => {
  const port = await listen(t);
  assert.equal(await exchange(upstreamWith('spiffe://cluster.local/ns/shop/'), port, null), `URI:${web.id}`);
});

test('the server is refused when no SAN matcher accepts it, or when it is not the identity announced for the endpoint (EDS seam)', async (t) => {
  const port = await listen(t);
  assert.match(await exchange(upstreamWith('spiffe://cluster.local/ns/billing/'), port, null), /\[unexpected-identity\].*no match_typed_subject_alt_names matcher accepts/);
  const upstream = upstreamWith('spiffe://cluster.local/');
  assert.match(await exchange(upstream, port, [workloadId(TD, 'shop', 'db').id]), /\[unexpected-identity\].*announced as spiffe:\/\/cluster\.local\/ns\/shop\/sa\/db/);
  assert.equal(await exchange(upstream, port, [api.id]), `URI:${web.id}`);
});
