// RBAC by identity over mTLS: a real proxy terminating TLS (SPIFFE validator) lets the client whose
// certificate carries spiffe://cluster.local/ns/shop/sa/web in and keeps another workload — and
// plaintext on the PERMISSIVE chain — out; a namespace-wide rule uses a prefix principal_name.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { eventually, startProxy } from '../helpers/proxy.ts';
import { bootstrap, httpListener, ROUTER, staticCluster } from '../helpers/bootstrap.ts';
import { rawExchange, startEchoServer } from '../helpers/upstream.ts';
import { createTestPki, downstreamTls, TLS_INSPECTOR, type SvidFiles } from '../helpers/mesh-tls.ts';

const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const pki = await createTestPki();
after(() => pki.close());
const api = await pki.issue('api', pki.identity('shop', 'api'));
const web = await pki.issue('web', pki.identity('shop', 'web'));
const batch = await pki.issue('batch', pki.identity('jobs', 'batch'));
const ops = await pki.issue('ops', pki.identity('ops', 'console'));

const ROUTES = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] }] };
const FILTERS = [
  {
    name: 'envoy.filters.http.rbac',
    typed_config: {
      '@type': RBAC,
      rules: {
        action: 'ALLOW',
        policies: {
          web: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: web.identity.id } } }] },
          // AuthorizationPolicy `spiffe://cluster.local/ns/ops/*` becomes a prefix matcher.
          'ops-namespace': { permissions: [{ url_path: { path: { prefix: '/admin/' } } }], principals: [{ authenticated: { principal_name: { prefix: 'spiffe://cluster.local/ns/ops/' } } }] },
        },
      },
    },
  },
  ROUTER,
];

function permissiveInbound(): Record<string, unknown> {
  const plain = httpListener('inbound', ROUTES, { http_filters: FILTERS }) as { filter_chains: Record<string, unknown>[] } & Record<string, unknown>;
  const chain = plain.filter_chains[0];
  return {
    ...plain,
    listener_filters: [TLS_INSPECTOR],
    filter_chains: [
      { ...chain, filter_chain_match: { transport_protocol: 'tls' }, transport_socket: downstreamTls(pki, api, { requireClientCertificate: false, alpn: ['http/1.1'] }) },
      { ...chain, filter_chain_match: { transport_protocol: 'raw_buffer' } },
    ],
  };
}

const app = await startEchoServer('api');
const proxy = await startProxy(bootstrap([permissiveInbound()], [staticCluster('app', [app.port])]));
after(async () => { await proxy.stop(); await app.close(); });

/** One HTTP/1.1 request over TLS with `svid`'s certificate (or none); the status the proxy answered. */
function overTls(path: string, svid: SvidFiles | null): Promise<number> {
  return new Promise((resolve) => {
    let data = '';
    const socket = tls.connect({
      host: '127.0.0.1', port: proxy.ports.inbound, ca: pki.bundlePem, checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'],
      ...(svid === null ? {} : { cert: svid.cert, key: svid.key }),
    }, () => socket.write(`GET ${path} HTTP/1.1\r\nhost: api\r\nconnection: close\r\n\r\n`));
    socket.on('data', (d: Buffer) => { data += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    setTimeout(() => socket.destroy(), 3000);
  });
}

test('ALLOW by exact SPIFFE ID: web gets in, another workload and a TLS client without a certificate do not', async () => {
  const before = app.requests.length;
  assert.equal(await overTls('/orders', web), 200);
  assert.equal(await overTls('/orders', batch), 403);
  assert.equal(await overTls('/orders', null), 403);
  assert.equal(app.requests.length, before + 1);
  await eventually(() => proxy.accessLog().some((l) => l.downstream_peer_uri_san === batch.identity.id && l.response_code === 403), 3000, 'denied line');
});

test('a prefix principal_name (a namespace) with a path rule; plaintext on the PERMISSIVE chain is unauthenticated', async () => {
  assert.equal(await overTls('/admin/users', ops), 200);
  assert.equal(await overTls('/orders', ops), 403);
  const plain = await rawExchange(proxy.ports.inbound, 'GET /orders HTTP/1.1\r\nhost: api\r\nconnection: close\r\n\r\n');
  assert.match(plain.data, /^HTTP\/1\.1 403 /);
  assert.match(plain.data, /x-weft-error: rbac-denied/i);
});
