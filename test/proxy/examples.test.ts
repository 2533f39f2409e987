// The shipped examples run as documented: examples/front-proxy.yaml with only its addresses
// moved to free ports, exercised with the requests its header comment promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parse } from 'yaml';
import { startProxy } from '../helpers/proxy.ts';
import { startEchoServer } from '../helpers/upstream.ts';
import { request } from '../helpers/client.ts';

interface SocketAddress { address: string; port_value: number }
type Doc = {
  admin: { address: { socket_address: SocketAddress } };
  static_resources: {
    listeners: { address: { socket_address: SocketAddress } }[];
    clusters: { name: string; load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[] } }[];
  };
};

function load(name: string): Doc {
  return parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as Doc;
}

test('examples/front-proxy.yaml: health, canary header, 90/10 split, redirect', async () => {
  const v1 = await startEchoServer('service-v1');
  const v2 = await startEchoServer('service-v2');
  const doc = load('front-proxy.yaml');
  doc.admin.address.socket_address.port_value = 0;
  doc.static_resources.listeners[0].address.socket_address.port_value = 0;
  for (const c of doc.static_resources.clusters) {
    const port = c.name === 'service-v1' ? v1.port : v2.port;
    for (const e of c.load_assignment.endpoints) for (const lb of e.lb_endpoints) lb.endpoint.address.socket_address.port_value = port;
  }
  const proxy = await startProxy(doc);
  try {
    const port = proxy.ports.http_ingress;
    const shop = { host: 'shop.example.com' };
    const health = await request(port, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok\n');
    assert.equal(health.headers['x-served-by'], 'weft');
    assert.equal((await request(port, '/', { headers: { ...shop, 'x-canary': 'true' } })).json().server, 'service-v2');
    let toV2 = 0;
    for (let i = 0; i < 300; i++) {
      const seen = (await request(port, '/', { headers: shop })).json<{ server: string; headers: Record<string, string> }>();
      if (seen.server === 'service-v2') {
        toV2++;
        assert.equal(seen.headers['x-weft-variant'], 'v2', 'the weighted cluster adds its own header');
      } else {
        assert.equal(seen.headers['x-weft-variant'], undefined);
      }
    }
    assert.ok(toV2 > 10 && toV2 < 60, `v2 got ${toV2} of 300 (expected ~30)`);
    const redirect = await request(port, '/cart', { headers: { host: 'old.example.com' } });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, 'https://shop.example.com/cart');
  } finally {
    await proxy.stop();
    await v1.close();
    await v2.close();
  }
});

test('examples/tcp-proxy.yaml loads and proxies bytes', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as net.AddressInfo).port;
  const doc = load('tcp-proxy.yaml');
  doc.admin.address.socket_address.port_value = 0;
  for (const l of doc.static_resources.listeners) l.address.socket_address.port_value = 0;
  for (const c of doc.static_resources.clusters) {
    for (const e of c.load_assignment.endpoints) for (const lb of e.lb_endpoints) lb.endpoint.address.socket_address.port_value = port;
  }
  const proxy = await startProxy(doc);
  try {
    const [listenerPort] = Object.values(proxy.ports);
    const socket = net.connect(listenerPort, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += d.toString(); if (got === 'ping') socket.end(); });
    socket.write('ping');
    await new Promise((r) => socket.on('close', r));
    assert.equal(got, 'ping');
  } finally {
    await proxy.stop();
    echo.close();
  }
});
