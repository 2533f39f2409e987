// `weft control-plane` as a user meets it: a real process on port 0 with a temp data dir, driven
// by the real CLI. Multi-document apply, get / list / watch / delete, an invalid resource refused
// with its file:line and field path while the last good version stays, and data surviving a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startControlPlane, weft, tempDir } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';

const EXAMPLES = new URL('../../examples/mesh/', import.meta.url).pathname;

interface Route { metadata: { resourceVersion: string; generation: number }; spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } }

async function readEvents(res: Response, n: number, timeoutMs = 5000): Promise<{ type: string; object: { kind: string; metadata: { name: string } } }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: { type: string; object: { kind: string; metadata: { name: string } } }[] = [];
  let buf = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (out.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        out.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return out;
}

test('weft control-plane: apply, get, watch, refuse invalid input, delete, survive a restart', async () => {
  const work = tempDir('weft-cp-files-');
  const dataDir = join(work, 'data');
  const files = join(work, 'mesh');
  cpSync(EXAMPLES, files, { recursive: true });
  let cp = await startControlPlane(dataDir);
  try {
    assert.match(cp.output(), /REST API: http:\/\/127\.0\.0\.1:\d+/);
    assert.match(cp.output(), /xDS \(ADS\): 127\.0\.0\.1:\d+/);

    // Multi-document files from a directory, kubectl's output.
    const applied = await weft(cp.url, ['apply', '-f', files]);
    assert.equal(applied.code, 0, applied.stderr);
    const lines = applied.stdout.trim().split('\n');
    assert.equal(lines.length, 10);
    assert.ok(lines.includes('service/backend created'));
    assert.ok(lines.includes('httproute/backend created'));
    assert.ok(lines.includes('meshconfig/default created'));
    const again = await weft(cp.url, ['apply', '-f', join(files, 'routes.yaml')]);
    assert.equal(again.stdout, 'httproute/backend unchanged\n');

    // Tables and single objects.
    const table = await weft(cp.url, ['get', 'svc', '-n', 'shop']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME\s+PORT\(S\)\s+AGE\n/);
    assert.match(table.stdout, /\nbackend-v1\s+8080\/TCP\s+\d+s\n/);
    const empty = await weft(cp.url, ['get', 'svc']);
    assert.equal(empty.stderr, 'No resources found in default namespace.\n');
    const all = await weft(cp.url, ['get', 'workloads', '-A', '-o', 'wide']);
    assert.match(all.stdout, /^NAMESPACE\s+NAME\s+ADDRESS\s+PORTS\s+SERVICE-ACCOUNT\s+AGE\s+LABELS\n/);
    const selected = await weft(cp.url, ['get', 'wl', '-n', 'shop', '-l', 'app=backend,version!=v2']);
    assert.match(selected.stdout, /^NAME\s+ADDRESS\s+PORTS\s+SERVICE-ACCOUNT\s+AGE\nbackend-v1-1\s+127\.0\.0\.2\s+http:9090\s+backend\s+\d+s\n$/);
    const route = JSON.parse((await weft(cp.url, ['get', 'httproute', 'backend', '-n', 'shop', '-o', 'json'])).stdout) as Route;
    assert.deepEqual(route.spec.rules[1].backendRefs.map((b) => `${b.name}=${b.weight}`), ['backend-v1=90', 'backend-v2=10']);
    const yaml = await weft(cp.url, ['get', 'meshconfig', 'default', '-o', 'yaml']);
    assert.match(yaml.stdout, /^apiVersion: weft\.dev\/v1alpha1\nkind: MeshConfig\n/);

    // A watch from the list's resourceVersion sees the next change.
    const list = await (await fetch(`${cp.url}/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes`)).json() as { metadata: { resourceVersion: string } };
    const watch = await fetch(`${cp.url}/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
    const events = readEvents(watch, 1);
    const routesFile = join(files, 'routes.yaml');
    writeFileSync(routesFile, readFileSync(routesFile, 'utf8').replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50'));
    const changed = await weft(cp.url, ['apply', '-f', routesFile]);
    assert.equal(changed.stdout, 'httproute/backend configured\n');
    assert.deepEqual((await events).map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), ['MODIFIED HTTPRoute/backend']);

    // Dry run changes nothing.
    const dry = await weft(cp.url, ['apply', '--dry-run', '-f', '-'], readFileSync(routesFile, 'utf8').replace('weight: 50}', 'weight: 70}'));
    assert.equal(dry.stdout, 'httproute/backend configured (server dry run)\n');

    // A valid resource that points at nothing is applied, with kubectl-style warnings.
    const warned = await weft(cp.url, ['apply', '-f', '-'], 'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: ghost, namespace: shop}\nspec: {targetRefs: [{group: "", kind: Service, name: ghost}]}\n');
    assert.equal(warned.code, 0);
    assert.equal(warned.stdout, 'trafficpolicy/ghost created\n');
    assert.equal(warned.stderr, 'Warning: trafficpolicy/ghost: spec.targetRefs[0]: Service shop/ghost does not exist: the policy takes effect once it does\n');
    assert.equal((await weft(cp.url, ['delete', 'tp', 'ghost', '-n', 'shop'])).code, 0);

    // An invalid resource is refused with file:line, field path and reason; the last good version stays.
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, readFileSync(routesFile, 'utf8').replace('path: {type: PathPrefix, value: /}', 'path: {type: PathPrefix, value: api}'));
    const refused = await weft(cp.url, ['apply', '-f', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: HTTPRoute shop/backend: spec\\.rules\\[1\\]\\.matches\\[0\\]\\.path\\.value: value must be an absolute path and start with '/'`));
    assert.match(refused.stderr, /nothing was applied/);
    assert.match(refused.stderr, /fix the problems above and apply again/);
    const kept = JSON.parse((await weft(cp.url, ['get', 'httproute', 'backend', '-n', 'shop', '-o', 'json'])).stdout) as Route;
    assert.deepEqual(kept.spec.rules[1].backendRefs.map((b) => b.weight), [50, 50], 'the last good version is kept');
    assert.equal(kept.metadata.generation, 2);

    // Delete by name and by file.
    const del = await weft(cp.url, ['delete', 'svc', 'backend-v2', '-n', 'shop']);
    assert.equal(del.stdout, 'service "backend-v2" deleted\n');
    const missing = await weft(cp.url, ['delete', 'svc', 'backend-v2', '-n', 'shop']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /services "backend-v2" not found in namespace "shop"/);
    const byFile = await weft(cp.url, ['delete', '-f', join(files, 'policies.yaml')]);
    assert.equal(byFile.stdout, 'trafficpolicy "backend" deleted\nmeshconfig "default" deleted\n');

    // Restart on the same data directory: everything is still there, revisions continue.
    const before = await (await fetch(`${cp.url}/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/backend`)).json() as Route;
    assert.equal(await cp.stop(), 0);
    cp = await startControlPlane(dataDir);
    assert.match(cp.output(), /store: .*\(revision 16, 7 resources\)/);
    const after = await (await fetch(`${cp.url}/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/backend`)).json() as Route;
    assert.deepEqual(after, before);
    const svcs = await weft(cp.url, ['get', 'svc', '-n', 'shop', '-o', 'json']);
    assert.deepEqual((JSON.parse(svcs.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name), ['backend', 'backend-v1', 'frontend']);
    const next = await weft(cp.url, ['apply', '-f', join(files, 'policies.yaml')]);
    assert.equal(next.stdout, 'trafficpolicy/backend created\nmeshconfig/default created\n');
    const tp = JSON.parse((await weft(cp.url, ['get', 'tp', 'backend', '-n', 'shop', '-o', 'json'])).stdout) as Route;
    assert.equal(tp.metadata.resourceVersion, '17');
  } finally {
    await cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
});


test('the CLI says what to do when the control plane is unreachable or the input is wrong', async () => {
  const closed = await freePort();
  const down = await weft(`http://127.0.0.1:${closed}`, ['get', 'svc']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the control plane at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is `weft control-plane` running\? Point the CLI at it with --server URL or WEFT_SERVER/);
  const noFile = await weft('http://127.0.0.1:1', ['apply', '-f', '/nonexistent/mesh.yaml']);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /cannot read \/nonexistent\/mesh\.yaml: no such file or directory/);
  const noFlag = await weft('http://127.0.0.1:1', ['apply', 'mesh.yaml']);
  assert.equal(noFlag.code, 2);
  assert.match(noFlag.stderr, /files are given with -f \(weft apply -f mesh\.yaml\)/);
  const kind = await weft('http://127.0.0.1:1', ['get', 'pods']);
  assert.equal(kind.code, 2);
  assert.match(kind.stderr, /doesn't have a resource type "pods"/);
  const port = await weft('http://127.0.0.1:1', ['control-plane', '--api-port', 'x']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--api-port takes a port number/);
});

test('weft get -w prints the table, then a row per change, and says so when the control plane goes away', async () => {
  const work = tempDir('weft-cp-watch-');
  const cp = await startControlPlane(join(work, 'data'));
  try {
    const svc = (name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: shop}\nspec: {ports: [{port: ${port}}]}\n`;
    assert.equal((await weft(cp.url, ['apply', '-f', '-'], svc('first', 80))).code, 0);
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [main, 'get', 'svc', '-n', 'shop', '-w'], { env: { ...process.env, WEFT_SERVER: cp.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!re.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, re);
    };
    await until(/^NAME\s+PORT\(S\)\s+AGE\nfirst\s+80\/TCP\s+\d+s\n$/);
    await weft(cp.url, ['apply', '-f', '-'], svc('second', 8080));
    await until(/\nsecond\s+8080\/TCP\s+\d+s\n$/);
    await weft(cp.url, ['apply', '-f', '-'], svc('first', 81));
    await until(/\nfirst\s+81\/TCP\s+\d+s\n$/);
    assert.equal(await cp.stop(), 0);
    assert.equal(await exited, 1);
    assert.match(err, /the control plane ended the watch/);
  } finally {
    await cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
