// RELIABILITY.md B3 in small: RBAC policy pushed over ADS to a real proxy applies to requests on
// connections that are already open (HTTP/2 session and HTTP/1.1 keep-alive) within 1 s — both
// when a policy is added to a default-deny listener and when it is removed again — and once a
// change has been seen on a connection, no later request there gets the old answer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ANY_NODE, SnapshotCache, startAdsServer, type AdsServer } from '../../src/control/xds/index.ts';
import { TYPE_URLS } from '../../src/xds/envoy/index.ts';
import { HCM_TYPE, ROUTER } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { startEchoServer, type EchoServer } from '../helpers/upstream.ts';

const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

let server: AdsServer | null = null;
let proxy: RunningProxy | null = null;
let app: EchoServer | null = null;
after(async () => {
  await proxy?.stop();
  await server?.close();
  await app?.close();
});

/** The inbound listener with an ALLOW RBAC filter holding `policies` (none: every request is denied). */
function listener(policies: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'inbound',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
      '@type': HCM_TYPE, stat_prefix: 'inbound', normalize_path: true,
      route_config: { name: 'inbound', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] }] },
      http_filters: [{ name: 'envoy.filters.http.rbac', typed_config: { '@type': RBAC, rules: { action: 'ALLOW', policies } } }, ROUTER],
    } }] }],
  };
}

const READERS = { readers: { permissions: [{ header: { name: ':method', exact_match: 'GET' } }], principals: [{ any: true }] } };

function dynamicBootstrap(xdsPort: number): Record<string, unknown> {
  const doc = parse(readFileSync(new URL('../../examples/ads-sidecar.yaml', import.meta.url), 'utf8')) as {
    node: { id: string }; admin: { address: { socket_address: { port_value: number } } };
    static_resources: { clusters: { load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[] } }[] };
  };
  doc.node.id = 'rbac-sidecar';
  doc.admin.address.socket_address.port_value = 0;
  doc.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = xdsPort;
  return doc;
}

async function listenerPort(p: RunningProxy): Promise<number> {
  const body = (await (await p.admin('/listeners?format=json')).json()) as {
    listener_statuses: { name: string; local_address: { socket_address: { port_value: number } } }[];
  };
  return body.listener_statuses.find((l) => l.name === 'inbound')?.local_address.socket_address.port_value ?? 0;
}

function h2Status(session: http2.ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':path': '/data', ':method': 'GET' });
    s.on('response', (h) => { s.resume(); s.on('end', () => resolve(Number(h[':status']))); });
    s.on('error', reject);
    s.end();
  });
}

/**
 * Asks on both open connections until both answer `want`, then 20 more times each (they must keep
 * answering it); returns the ms from `since` to the first `want` on the slower of the two.
 */
async function flipTime(session: http2.ClientHttp2Session, port: number, agent: http.Agent, want: number, since: number): Promise<number> {
  const seen = { h2: -1, h1: -1 };
  while (seen.h2 < 0 || seen.h1 < 0) {
    if (performance.now() - since > 5000) assert.fail(`no ${want} within 5 s (h2 ${seen.h2}, h1 ${seen.h1})`);
    const [a, b] = await Promise.all([h2Status(session), request(port, '/data', { agent }).then((r) => r.status)]);
    const now = performance.now() - since;
    if (seen.h2 >= 0) assert.equal(a, want, 'HTTP/2: a later request got the old answer');
    else if (a === want) seen.h2 = now;
    if (seen.h1 >= 0) assert.equal(b, want, 'HTTP/1.1: a later request got the old answer');
    else if (b === want) seen.h1 = now;
  }
  for (let i = 0; i < 20; i++) {
    assert.equal(await h2Status(session), want);
    assert.equal((await request(port, '/data', { agent })).status, want);
  }
  return Math.max(seen.h2, seen.h1);
}

test('B3: an RBAC policy added and removed over ADS applies to open HTTP/2 and HTTP/1.1 connections within 1 s', async () => {
  app = await startEchoServer('app');
  const cache = new SnapshotCache();
  cache.setSnapshot(ANY_NODE, {
    [TYPE_URLS.cluster]: [{ name: 'app', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } }],
    [TYPE_URLS.clusterLoadAssignment]: [{ cluster_name: 'app', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: app.port } } } }] }] }],
    [TYPE_URLS.listener]: [listener({})],
  });
  server = await startAdsServer({ cache, port: 0, debounceMs: 20 });
  proxy = await startProxy(dynamicBootstrap(server.port));
  let port = 0;
  await eventually(async () => (port = await listenerPort(proxy!)) > 0, 5000, 'the inbound listener');
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Default deny: no policy in an ALLOW filter.
    assert.equal(await h2Status(session), 403);
    assert.equal((await request(port, '/data', { agent })).status, 403);
    const connectionsBefore = app.connections;

    let since = performance.now();
    cache.setResources(ANY_NODE, TYPE_URLS.listener, [listener(READERS)]);
    const added = await flipTime(session, port, agent, 200, since);

    since = performance.now();
    cache.setResources(ANY_NODE, TYPE_URLS.listener, [listener({})]);
    const removed = await flipTime(session, port, agent, 403, since);

    console.log(`B3: policy added → allowed after ${added.toFixed(0)} ms, removed → denied after ${removed.toFixed(0)} ms (open connections)`);
    assert.ok(added <= 1000, `added: ${added} ms`);
    assert.ok(removed <= 1000, `removed: ${removed} ms`);
    // The same two client connections carried every request (the HTTP/2 session never closed).
    assert.equal(session.closed || session.destroyed, false);
    assert.ok(app.connections - connectionsBefore <= 2, 'upstream connections stay few');
  } finally {
    session.close();
    agent.destroy();
  }
});
