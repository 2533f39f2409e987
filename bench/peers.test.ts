import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstErrorLine, launch } from './peers/launch.ts';
import { StartFailure } from './peers/types.ts';
import { weftBootstrap } from './peers/weft.ts';
import { rotate } from './scenarios/h1.ts';
import { freePorts } from './net.ts';

test('firstErrorLine skips Node\'s source-location preamble', () => {
  const node = 'node:internal/modules/run_main:123\n    triggerUncaughtException(\n    ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find module \'/x/main.ts\'\n    at foo\n';
  assert.equal(firstErrorLine(node), 'Error [ERR_MODULE_NOT_FOUND]: Cannot find module \'/x/main.ts\'');
  assert.equal(firstErrorLine('[NOTICE] starting\n[ALERT] (1) : config : bad\n'), '[ALERT] (1) : config : bad');
  assert.equal(firstErrorLine('\n  just a line\nanother\n'), 'just a line');
  assert.equal(firstErrorLine(''), undefined);
});

test('a process that exits at once is a StartFailure carrying its stderr', async () => {
  await assert.rejects(
    launch({
      command: process.execPath,
      args: ['-e', 'console.error("weft: listener 0: Error: address in use"); process.exit(3)'],
      cpu: undefined,
      readyUrl: 'http://127.0.0.1:1/ready',
      url: 'http://127.0.0.1:1/',
    }),
    (err: unknown) => err instanceof StartFailure && err.message === 'weft: listener 0: Error: address in use',
  );
});

test('a process that never becomes ready is stopped after the deadline', async () => {
  const [port] = await freePorts(1);
  const started = Date.now();
  await assert.rejects(
    launch({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      cpu: undefined,
      readyUrl: `http://127.0.0.1:${port}/ready`,
      url: `http://127.0.0.1:${port}/`,
      timeoutMs: 600,
    }),
    (err: unknown) => err instanceof StartFailure && /did not answer 200 within 0.6 s/.test(err.message),
  );
  assert.ok(Date.now() - started < 5000);
});

test('rotate moves the start of the order one peer per round', () => {
  assert.deepEqual(rotate(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(rotate(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  assert.deepEqual(rotate(['a', 'b', 'c'], 4), ['b', 'c', 'a']);
  assert.deepEqual(rotate([], 2), []);
});

test('Weft bootstrap: admin, one HCM listener with router and stdout access log, STATIC backend', () => {
  const b = weftBootstrap(9901, 10000, '127.0.0.1:8080') as any;
  assert.deepEqual(b.admin.address.socket_address, { address: '127.0.0.1', port_value: 9901 });
  const [listener] = b.static_resources.listeners;
  assert.equal(listener.address.socket_address.port_value, 10000);
  const hcm = listener.filter_chains[0].filters[0].typed_config;
  assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  assert.equal(hcm.stat_prefix, 'bench');
  assert.deepEqual(hcm.route_config.virtual_hosts[0].domains, ['*']);
  assert.deepEqual(hcm.route_config.virtual_hosts[0].routes[0], { match: { prefix: '/' }, route: { cluster: 'backend' } });
  assert.equal(hcm.http_filters[0].name, 'envoy.filters.http.router');
  assert.equal(hcm.access_log[0].typed_config['@type'], 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog');
  const [cluster] = b.static_resources.clusters;
  assert.equal(cluster.type, 'STATIC');
  assert.deepEqual(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: '127.0.0.1', port_value: 8080 });
});
