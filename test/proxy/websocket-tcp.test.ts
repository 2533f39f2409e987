// Upgrade tunnelling (WebSocket) and plain TCP proxying.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { startProxy, type RunningProxy } from '../helpers/proxy.ts';
import { bootstrap, httpListener, staticCluster } from '../helpers/bootstrap.ts';
import { request } from '../helpers/client.ts';

let wss: WebSocketServer;
let wsPort: number;
let tcpEcho: net.Server;
let tcpPort: number;
let proxy: RunningProxy;

before(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wsPort = (wss.address() as net.AddressInfo).port;
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`);
    ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
  });
  tcpEcho = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  tcpPort = (tcpEcho.address() as net.AddressInfo).port;
  const routes = { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'ws' } }] }] };
  proxy = await startProxy(bootstrap([
    httpListener('ws-on', routes, { upgrade_configs: [{ upgrade_type: 'websocket' }] }),
    httpListener('ws-off', routes),
    {
      name: 'tcp',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'tcp', cluster: 'tcp-echo',
      } }] }],
    },
  ], [staticCluster('ws', [wsPort]), staticCluster('tcp-echo', [tcpPort])]));
});

after(async () => {
  await proxy?.stop();
  wss?.close();
  tcpEcho?.close();
});

test('WebSocket upgrade is tunnelled when upgrade_configs allows it', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.ports['ws-on']}/chat`);
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (m) => {
      messages.push(m.toString());
      if (messages.length === 1) ws.send('ping');
      else ws.close();
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  assert.deepEqual(messages, ['hello /chat', 'echo:ping']);
});

test('an upgrade the listener does not allow gets 403 upgrade-not-allowed', async () => {
  const res = await request(proxy.ports['ws-off'], '/chat', {
    headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers['x-weft-error'], 'upgrade-not-allowed');
});

test('tcp_proxy tunnels bytes both ways', async () => {
  const socket = net.connect(proxy.ports.tcp, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => {
    got += d.toString();
    if (got.length >= 11) socket.end();
  });
  socket.write('hello ');
  socket.write('world');
  await new Promise((r) => socket.on('close', r));
  assert.equal(got, 'hello world');
});
