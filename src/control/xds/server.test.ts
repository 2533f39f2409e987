// The ADS server's state machine through a real grpc-js client on loopback: versions, nonces,
// ACK/NACK, subscriptions, push order, debouncing, per-node snapshots.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS } from '../../xds/envoy/index.ts';
import { ADS_SERVICE, decodeResponse, encodeRequest, unpackResource, type DiscoveryRequest, type DiscoveryResponse } from '../../xds/proto/index.ts';
import { ANY_NODE, SnapshotCache, startAdsServer, type AdsServer } from './index.ts';
import { eventually } from '../../../test/helpers/proxy.ts';

const CDS = TYPE_URLS.cluster;
const EDS = TYPE_URLS.clusterLoadAssignment;
const LDS = TYPE_URLS.listener;
const RDS = TYPE_URLS.routeConfiguration;

const cluster = (name: string, timeout = '1s') => ({ name, type: 'EDS', connect_timeout: timeout, eds_cluster_config: { eds_config: { ads: {} } } });
const cla = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
});
const routeConfig = (name: string, cluster: string) => ({
  name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
});
const listener = (name: string, rds: string) => ({
  name,
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
    '@type': TYPE_URLS.httpConnectionManager, stat_prefix: name,
    rds: { route_config_name: rds, config_source: { ads: {} } },
    http_filters: [{ name: 'router', typed_config: { '@type': TYPE_URLS.router } }],
  } }] }],
});

const Client = grpc.makeGenericClientConstructor(ADS_SERVICE, 'AggregatedDiscoveryService');

/** A hand-driven ADS client: sends what the test says, queues what the server answers. */
class TestClient {
  readonly responses: DiscoveryResponse[] = [];
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private readonly client: grpc.Client;
  private waiters: (() => void)[] = [];
  status: grpc.StatusObject | null = null;

  constructor(port: number, method = 'StreamAggregatedResources') {
    this.client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as Record<string, () => grpc.ClientDuplexStream<Buffer, Buffer>>)[method]();
    this.call.on('data', (b: Buffer) => {
      this.responses.push(decodeResponse(b));
      for (const w of this.waiters.splice(0)) w();
    });
    this.call.on('status', (s: grpc.StatusObject) => { this.status = s; for (const w of this.waiters.splice(0)) w(); });
    this.call.on('error', () => {});
  }

  send(r: Partial<DiscoveryRequest> & { type_url: string }): void {
    this.call.write(encodeRequest({ version_info: '', resource_names: [], response_nonce: '', ...r }));
  }

  ack(r: DiscoveryResponse, names: readonly string[] = []): void {
    this.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
  }

  /** The next response not yet taken, waiting up to `ms`. */
  async next(ms = 2000): Promise<DiscoveryResponse> {
    const deadline = Date.now() + ms;
    while (this.responses.length === 0) {
      if (Date.now() > deadline) throw new Error('no response');
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.responses.shift()!;
  }

  /** Asserts that nothing arrives for `ms`. */
  async quiet(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    assert.deepEqual(this.responses.map((r) => `${r.type_url} v${r.version_info}`), []);
  }

  async waitStatus(): Promise<grpc.StatusObject> {
    const deadline = Date.now() + 2000;
    while (this.status === null && Date.now() < deadline) await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    return this.status!;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

const names = (r: DiscoveryResponse) => r.resources.map((a) => {
  const json = unpackResource(a);
  return String(json.name ?? json.cluster_name);
});

const servers: AdsServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
});

async function setup(debounceMs = 20, ackTimeoutMs = 5000) {
  const cache = new SnapshotCache();
  const logs: string[] = [];
  const server = await startAdsServer({ cache, port: 0, debounceMs, ackTimeoutMs, log: (l) => logs.push(l) });
  servers.push(server);
  const client = () => {
    const c = new TestClient(server.port);
    clients.push(c);
    return c;
  };
  return { cache, server, client, logs };
}

test('wildcard CDS: first response, ACK recorded, unchanged content not resent', async () => {
  const { cache, server, client } = await setup();
  cache.setResources(ANY_NODE, CDS, [cluster('a'), cluster('b')]);
  const c = client();
  c.send({ type_url: CDS, node: { id: 'proxy-1', cluster: 'web' } });
  const r = await c.next();
  assert.equal(r.type_url, CDS);
  assert.deepEqual(names(r).sort(), ['a', 'b']);
  assert.notEqual(r.nonce, '');
  c.ack(r);
  await c.quiet(80);
  const p = server.proxies();
  assert.equal(p.length, 1);
  assert.equal(p[0].nodeId, 'proxy-1');
  assert.deepEqual(p[0].types.map((t) => [t.subscribed, t.ackedVersion, t.awaitingAck]), [['wildcard', r.version_info, false]]);
  // Setting equal content is no change: no version bump, no push.
  cache.setResources(ANY_NODE, CDS, [cluster('b'), cluster('a')]);
  await c.quiet(80);
  cache.setResources(ANY_NODE, CDS, [cluster('a', '2s')]);
  const r2 = await c.next();
  assert.notEqual(r2.version_info, r.version_info);
  assert.deepEqual(names(r2), ['a']);
});

test("wildcard by '*', and LDS by name (as proxyless gRPC subscribes)", async () => {
  const { cache, server, client } = await setup();
  cache.setSnapshot(ANY_NODE, { [CDS]: [cluster('a'), cluster('b')], [LDS]: [listener('x:80', 'r'), listener('y:80', 'r')] });
  const c = client();
  c.send({ type_url: CDS, resource_names: ['*'], node: { id: 'p' } });
  const cds = await c.next();
  assert.deepEqual(names(cds).sort(), ['a', 'b']);
  c.ack(cds, ['*']);
  c.send({ type_url: LDS, resource_names: ['y:80'] });
  assert.deepEqual(names(await c.next()), ['y:80']);
  assert.deepEqual(server.proxies()[0].types.map((t) => t.subscribed), ['wildcard', ['y:80']]);
});

test('push order CDS → EDS → LDS → RDS, each type waiting for the ACK of the one before', async () => {
  const { cache, client } = await setup();
  cache.setSnapshot(ANY_NODE, {
    [CDS]: [cluster('a')], [EDS]: [cla('a', 1)], [LDS]: [listener('l', 'r')], [RDS]: [routeConfig('r', 'a')],
  });
  const c = client();
  const subscription = (t: string) => (t === EDS ? ['a'] : t === RDS ? ['r'] : []);
  for (const t of [CDS, EDS, LDS, RDS]) {
    c.send({ type_url: t, resource_names: subscription(t), node: { id: 'p' } });
    const r = await c.next();
    assert.equal(r.type_url, t);
    c.ack(r, subscription(t));
  }
  // One change touching every type: the pushes come in order, the next only after the ACK.
  cache.setSnapshot(ANY_NODE, {
    [RDS]: [routeConfig('r', 'b')], [LDS]: [listener('l', 'r2')], [EDS]: [cla('a', 2), cla('b', 3)], [CDS]: [cluster('a'), cluster('b')],
  });
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await c.next();
    seen.push(r.type_url);
    await c.quiet(60); // nothing else comes before this one is ACKed
    c.ack(r, subscription(r.type_url));
  }
  assert.deepEqual(seen, [CDS, EDS, LDS, RDS]);
});

test('an unanswered response holds later types back only for ackTimeoutMs', async () => {
  const { cache, client } = await setup(20, 200);
  cache.setSnapshot(ANY_NODE, { [CDS]: [cluster('a')], [LDS]: [listener('l', 'r')] });
  const c = client();
  c.send({ type_url: CDS, node: { id: 'p' } });
  c.send({ type_url: LDS });
  assert.equal((await c.next()).type_url, CDS);
  await c.quiet(120);
  assert.equal((await c.next(1000)).type_url, LDS);
});

test('once the awaited ACK arrives, the next change goes out after the debounce, not after ackTimeoutMs', async () => {
  const { cache, client } = await setup(20, 5000);
  cache.setSnapshot(ANY_NODE, { [CDS]: [cluster('a')], [LDS]: [listener('l', 'r')] });
  const c = client();
  c.send({ type_url: CDS, node: { id: 'p' } });
  c.send({ type_url: LDS });
  const cds = await c.next();
  await c.quiet(50); // LDS is held back behind the CDS ACK
  c.ack(cds);
  c.ack(await c.next());
  const t0 = Date.now();
  cache.setResources(ANY_NODE, CDS, [cluster('a', '9s')]);
  assert.equal(unpackResource((await c.next(1000)).resources[0]).connect_timeout, '9s');
  assert.ok(Date.now() - t0 < 500, `took ${Date.now() - t0} ms`);
});

test('EDS by name: only subscribed resources, only pushes that change what this proxy sees', async () => {
  const { cache, client } = await setup();
  cache.setResources(ANY_NODE, EDS, [cla('a', 1), cla('b', 2)]);
  const c = client();
  c.send({ type_url: EDS, resource_names: ['a'], node: { id: 'p' } });
  const r = await c.next();
  assert.deepEqual(names(r), ['a']);
  c.ack(r, ['a']);
  // 'b' changes: this proxy does not watch it.
  cache.setResources(ANY_NODE, EDS, [cla('a', 1), cla('b', 3)]);
  await c.quiet(100);
  // Subscribing to 'b' as well answers at once with both.
  c.send({ type_url: EDS, resource_names: ['a', 'b'], version_info: r.version_info, response_nonce: r.nonce });
  const r2 = await c.next();
  assert.deepEqual(names(r2).sort(), ['a', 'b']);
  c.ack(r2, ['a', 'b']);
  // RDS/EDS with no names subscribe to nothing (no wildcard for them).
  c.send({ type_url: RDS, node: { id: 'p' } });
  const r3 = await c.next();
  assert.equal(r3.type_url, RDS);
  assert.deepEqual(r3.resources, []);
});

test('a NACK is recorded and logged, the last good version kept, the same content not resent; a fix clears it', async () => {
  const { cache, server, client, logs } = await setup();
  cache.setResources(ANY_NODE, CDS, [cluster('a')]);
  const c = client();
  c.send({ type_url: CDS, node: { id: 'proxy-7' } });
  const good = await c.next();
  c.ack(good);
  cache.setResources(ANY_NODE, CDS, [cluster('a', '3s')]);
  const bad = await c.next();
  c.send({ type_url: CDS, version_info: good.version_info, response_nonce: bad.nonce, error_detail: { code: 3, message: 'clusters[0].connect_timeout: too slow' } });
  await c.quiet(100);
  const nacks = server.nacks();
  assert.equal(nacks.length, 1);
  assert.deepEqual(
    { node: nacks[0].nodeId, type: nacks[0].typeUrl, rejected: nacks[0].rejectedVersion, kept: nacks[0].keptVersion, message: nacks[0].message },
    { node: 'proxy-7', type: CDS, rejected: bad.version_info, kept: good.version_info, message: 'clusters[0].connect_timeout: too slow' },
  );
  assert.equal(server.proxies()[0].types[0].ackedVersion, good.version_info);
  // A later request with the NACKed nonce (a subscription update) is not an ACK of the refused version.
  c.send({ type_url: CDS, version_info: good.version_info, response_nonce: bad.nonce, resource_names: [] });
  await c.quiet(60);
  assert.equal(server.nacks().length, 1);
  assert.equal(server.proxies()[0].types[0].ackedVersion, good.version_info);
  assert.ok(logs.some((l) => /NACK from node 'proxy-7'.*connect_timeout: too slow/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /^node 'proxy-7' connected from /.test(l)), logs.join('\n'));
  cache.setResources(ANY_NODE, CDS, [cluster('a', '4s')]);
  const fixed = await c.next();
  c.ack(fixed);
  await c.quiet(60);
  assert.deepEqual(server.nacks(), []);
  assert.equal(server.proxies()[0].types[0].ackedVersion, fixed.version_info);
});

test('a request with a stale nonce is ignored', async () => {
  const { cache, server, client } = await setup();
  cache.setResources(ANY_NODE, CDS, [cluster('a')]);
  const c = client();
  c.send({ type_url: CDS, node: { id: 'p' } });
  const first = await c.next();
  cache.setResources(ANY_NODE, CDS, [cluster('a', '2s')]);
  // The proxy has not answered `first` yet; the cache change waits behind its ACK...
  c.send({ type_url: CDS, version_info: first.version_info, response_nonce: first.nonce });
  const second = await c.next();
  // ...and a late NACK of `first` (stale nonce) changes nothing.
  c.send({ type_url: CDS, response_nonce: first.nonce, error_detail: { code: 3, message: 'late' } });
  await c.quiet(60);
  assert.deepEqual(server.nacks(), []);
  assert.equal(server.proxies()[0].types[0].sentVersion, second.version_info);
});

test('debounce: a burst of changes is one push', async () => {
  const { cache, client } = await setup(80);
  cache.setResources(ANY_NODE, CDS, [cluster('a')]);
  const c = client();
  c.send({ type_url: CDS, node: { id: 'p' } });
  c.ack(await c.next());
  for (let i = 2; i <= 6; i++) cache.setResources(ANY_NODE, CDS, [cluster('a', `${i}s`)]);
  const r = await c.next();
  assert.equal(unpackResource(r.resources[0]).connect_timeout, '6s');
  c.ack(r);
  await c.quiet(150);
});

test('per-node snapshots: a node with its own resources sees them; others see ANY_NODE', async () => {
  const { cache, client, logs } = await setup();
  cache.setResources(ANY_NODE, CDS, [cluster('shared')]);
  cache.setResources('special', CDS, [cluster('mine')]);
  const a = client();
  const b = client();
  a.send({ type_url: CDS, node: { id: 'special' } });
  b.send({ type_url: CDS, node: { id: 'other' } });
  const ra = await a.next();
  const rb = await b.next();
  assert.deepEqual(names(ra), ['mine']);
  assert.deepEqual(names(rb), ['shared']);
  a.ack(ra);
  b.ack(rb);
  // A change to 'special' wakes only that node.
  cache.setResources('special', CDS, [cluster('mine', '2s')]);
  const ra2 = await a.next();
  assert.equal(unpackResource(ra2.resources[0]).connect_timeout, '2s');
  a.ack(ra2);
  await b.quiet(80);
  cache.clearNode('special');
  assert.deepEqual(names(await a.next()), ['shared']);
  a.close();
  await eventually(() => logs.some((l) => l.startsWith("node 'special' disconnected")), 2000, 'the disconnect log line');
});

test('bad input: unknown types are ignored with a log line, Delta ADS is UNIMPLEMENTED, unpackable resources fail at setResources', async () => {
  const { cache, server, client, logs } = await setup();
  const c = client();
  c.send({ type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', node: { id: 'p' } });
  await c.quiet(60);
  assert.ok(logs.some((l) => /ignored a request from node 'p' for .*Secret/.test(l)), logs.join('\n'));
  const delta = new TestClient(server.port, 'DeltaAggregatedResources');
  clients.push(delta);
  const status = await delta.waitStatus();
  assert.equal(status.code, grpc.status.UNIMPLEMENTED);
  assert.match(status.details, /state-of-the-world ADS only/);
  assert.throws(() => cache.setResources(ANY_NODE, CDS, [{ name: 'x', connect_timeout: 'soon' }]), /Cluster 'x': connect_timeout: 'soon' is not a duration/);
  assert.throws(() => cache.setResources(ANY_NODE, CDS, [{ type: 'STATIC' }]), /has no 'name'/);
  assert.throws(() => cache.setResources(ANY_NODE, 'type.googleapis.com/nope', []), /serves/);
});
