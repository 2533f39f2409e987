// A proxyless gRPC client (@grpc/grpc-js-xds) against the real `weft control-plane` process:
// Services, Workloads and a GRPCRoute applied with `weft apply` are translated into the client
// listener, route table, clusters and endpoints gRPC reads. The 80/20 split and the header
// match are honoured, and a route change reaches the running client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { EchoClient, servedBy as call, servedByCounts as counts, startGrpcServer } from '../helpers/grpc.ts';
import { startControlPlane, tempDir, weft } from '../helpers/control-plane.ts';

const TARGET = 'echo.default.svc.cluster.local:7070';
const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const mesh = (v1: number, v2: number) => ['echo', 'echo-v1', 'echo-v2'].map((name) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {selector: {app: echo${name === 'echo' ? '' : `, version: ${name.slice(5)}`}}, ports: [{name: grpc, port: 7070, targetPort: grpc, appProtocol: grpc}]}
`).join('---\n') + [['v1', v1], ['v2', v2]].map(([v, port]) => `---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: {name: echo-${v}, labels: {app: echo, version: ${v}}}
spec: {address: 127.0.0.1, ports: [{name: grpc, port: ${port}}]}
`).join('');

const route = (w1: number, w2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 7070}]
  rules:
    - matches: [{headers: [{name: x-version, value: v2}]}]
      backendRefs: [{name: echo-v2, port: 7070}]
    - backendRefs: [{name: echo-v1, port: 7070, weight: ${w1}}, {name: echo-v2, port: 7070, weight: ${w2}}]
`;


test('@grpc/grpc-js-xds follows `weft control-plane`: GRPCRoute 80/20, a header match, a route change without restart', { timeout: 60_000 }, async () => {
  const v1 = await startGrpcServer('v1');
  const v2 = await startGrpcServer('v2');
  closers.push(() => v1.close(), () => v2.close());
  const dir = tempDir('weft-proxyless-');
  const cp = await startControlPlane(join(dir, 'data'));
  closers.push(() => cp.stop());
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, `${mesh(v1.port, v2.port)}---\n${route(80, 20)}`);
  const applied = await weft(cp.url, ['apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);

  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${cp.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'proxyless-1', locality: {}, metadata: { 'weft.dev/client': 'proxyless-grpc' } },
  });
  register();
  const client = new EchoClient(`xds:///${TARGET}`, grpc.credentials.createInsecure());
  closers.push(() => client.close());

  const split = await counts(client, 200);
  assert.equal((split.v1 ?? 0) + (split.v2 ?? 0), 200);
  assert.ok(split.v1 >= 140 && split.v1 <= 185, `80/20 split: ${JSON.stringify(split)}`);
  const canary = new grpc.Metadata();
  canary.set('x-version', 'v2');
  for (let i = 0; i < 10; i++) assert.equal(await call(client, canary), 'v2');

  writeFileSync(file, route(100, 0));
  assert.equal((await weft(cp.url, ['apply', '-f', file])).code, 0);
  const deadline = Date.now() + 10_000;
  let later: Record<string, number> = {};
  while (Date.now() < deadline) {
    later = await counts(client, 20);
    if (later.v1 === 20) break;
  }
  assert.deepEqual(later, { v1: 20 });
  assert.equal(await call(client, canary), 'v2', 'the header match still wins');
  const status = await (await fetch(`${cp.url}/weft/v1/proxies`)).json() as { proxies: { nodeId: string; kind: { kind: string } }[]; nacks: unknown[] };
  assert.deepEqual(status.proxies.map((p) => [p.nodeId, p.kind.kind]), [['proxyless-1', 'proxyless-grpc']]);
  assert.deepEqual(status.nacks, []);
  const table = await weft(cp.url, ['status']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^NODE\s+KIND\s+WORKLOAD\s+NAMESPACE\s+PEER\s+AGE\s+ACKED\s+NACKS\nproxyless-1\s+proxyless-grpc\s+-\s+default\s+\S+\s+\S+\s+\S*Cluster\S*\s+0$/m);
});
