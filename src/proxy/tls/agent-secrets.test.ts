// The identity agent's secrets behind real TLS contexts: a certificate from the agent serves and
// is presented; at expiry both sides fail closed (open sessions end, inbound is closed before its
// handshake, outbound never connects); the next certificate restores both, and the same context
// objects follow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { bundlePem, createCsr, generateCa, issueSvid, parseTrustDomain, workloadId, type WorkloadIdentity } from '../../pki/index.ts';
import type { Svid } from '../identity/client.ts';
import { AGENT_CERTIFICATE, AGENT_TRUST_BUNDLE, AgentSecrets } from './agent-secrets.ts';
import { DownstreamTls } from './downstream.ts';
import { agentSecretName, SecretStore } from './secrets.ts';
import { UpstreamTls } from './upstream.ts';

const TD = parseTrustDomain('cluster.local');
const { ca } = await generateCa(TD);
const api = workloadId(TD, 'shop', 'api');

async function svid(identity: WorkloadIdentity): Promise<Svid> {
  const { key, csrPem } = await createCsr(identity);
  const issued = await issueSvid(ca, csrPem, identity);
  const certificate = new X509Certificate(issued.chainPem);
  return {
    identity, key, certChainPem: issued.chainPem, certificate, bundle: ca.bundle, trustBundlePem: bundlePem(ca.bundle),
    serialNumber: certificate.serialNumber, notAfter: certificate.validToDate, receivedAt: new Date(),
  };
}

const CERT = agentSecretName(AGENT_CERTIFICATE);
const ROOTS = agentSecretName(AGENT_TRUST_BUNDLE);

test('agent secrets: served and presented while held; at expiry both directions fail closed; the next certificate restores them', async (t) => {
  const agent = new AgentSecrets();
  const store = new SecretStore(() => {}, agent);
  const refused: string[] = [];
  const downstream = new DownstreamTls({
    name: 'inbound', certificate: CERT, validation: ROOTS, sanMatchers: [], requireClientCertificate: true, alpn: [],
    minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', handshakeTimeoutMs: 5000,
  }, store, { refused: (reason) => refused.push(reason) });
  const upstream = new UpstreamTls({
    name: 'outbound', certificate: CERT, validation: ROOTS, sanMatchers: [{ exact: api.id }], sni: '', alpn: [], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3',
  }, store);
  t.after(() => { downstream.close(); upstream.close(); store.close(); });
  let hold = false;
  const held: { closed: boolean }[] = [];
  const server = net.createServer((socket) => downstream.accept(socket, (secure, peer) => {
    if (!hold) return secure.end(`hello ${peer.identity}`);
    const entry = { closed: false };
    held.push(entry);
    secure.on('close', () => { entry.closed = true; });
    secure.write('held');
  }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const call = () => new Promise<string>((resolve) => {
    const s = upstream.connect('127.0.0.1', port, [api.id]);
    let data = '';
    s.on('data', (d: Buffer) => { data += d.toString(); });
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('end', () => resolve(data));
  });

  // Nothing yet (a proxy waits for its first certificate before it takes config that names it).
  assert.match(await call(), /^error: no workload certificate/);
  const first = await svid(api);
  agent.apply({ state: 'ready', svid: first });
  assert.equal(await call(), `hello ${api.id}`);
  assert.equal(downstream.status().chain[0].serialNumber, first.serialNumber);

  // A session opened before expiry, kept open.
  hold = true;
  const client = upstream.connect('127.0.0.1', port, [api.id]);
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.on('error', () => {});
  await once(client, 'data');
  hold = false;

  agent.apply({ state: 'expired', svid: undefined });
  // Open sessions end at expiry, on both sides.
  await clientClosed;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(held, [{ closed: true }]);
  assert.match(await call(), /^error: no workload certificate .*fails closed/);
  const raw = await new Promise<{ data: string; closed: boolean }>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('\x16\x03\x01'));
    let data = '';
    s.on('data', (d: Buffer) => { data += d.toString('latin1'); });
    s.on('close', () => resolve({ data, closed: true }));
    s.on('error', () => {});
  });
  assert.deepEqual(raw, { data: '', closed: true }, 'inbound: closed before a handshake byte is answered');
  assert.deepEqual(refused, ['no-certificate']);

  const next = await svid(api);
  agent.apply({ state: 'ready', svid: next });
  assert.equal(await call(), `hello ${api.id}`);
  assert.equal(downstream.status().chain[0].serialNumber, next.serialNumber);
  assert.equal(agent.rotations(AGENT_CERTIFICATE), 3, 'issued, expired, issued');
  assert.equal(agent.rotations(AGENT_TRUST_BUNDLE), 1, 'the bundle stayed the same');

  // A closed (replaced) context still ends the sessions it holds at expiry; once they are gone it
  // stops following the agent.
  hold = true;
  const last = upstream.connect('127.0.0.1', port, [api.id]);
  last.on('error', () => {});
  await once(last, 'data');
  downstream.close();
  agent.apply({ state: 'expired', svid: undefined });
  await once(last, 'close');
  await new Promise((r) => setImmediate(r));
  assert.equal(held.at(-1)!.closed, true, 'the closed context ended its session at expiry');
  agent.apply({ state: 'ready', svid: await svid(api) });
  assert.deepEqual(downstream.status().chain, [], 'and follows the agent no longer');
});

test('a reference to an agent secret: the right kind only, and only the names the agent provides', () => {
  const store = new SecretStore(() => {}, new AgentSecrets());
  assert.equal(store.certificate(CERT), null);
  assert.throws(() => store.validation(CERT), /the identity agent's secret 'default' is a tls_certificate; it cannot be used as a validation_context/);
  assert.throws(() => store.certificate(agentSecretName('other')), /provides the secrets 'default' \(the workload certificate\) and 'ROOTCA' \(the trust bundle\), not 'other'/);
  assert.ok(store.lasting(CERT) && !store.lasting('static-name'));
});
