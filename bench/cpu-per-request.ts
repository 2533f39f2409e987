// A targeted A/B tool for the proxy's hot path: CPU µs per request and saturation rps of Weft
// against HAProxy and a bare Node `net` relay, interleaved in one run (the machine is shared and
// noisy, so only same-run ratios mean anything). Not part of `npm run bench`.
//
//   node bench/cpu-per-request.ts [--rounds 5] [--duration 5] [--base DIR]... [--no-haproxy]
//
// WEFT_NODE_FLAGS / WEFT_BASE_NODE_FLAGS: extra node flags for the Weft under test / the --base ones.
// --base DIR adds another Weft checkout (e.g. a `git worktree` of the previous commit) as a
// peer, so a change is measured against what it replaces in the same run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startBackend } from './peers/backend.ts';
import { haproxy } from './peers/haproxy.ts';
import { launch } from './peers/launch.ts';
import { weftBootstrap } from './peers/weft.ts';
import type { Running } from './peers/types.ts';
import { freePorts } from './net.ts';
import { runWrk } from './load/wrk.ts';
import { acquireBenchLock, cleanupAll, installCleanupHandlers, makeTempDir, ticksPerSecond, treeCpuTicks } from './proc.ts';

const root = join(import.meta.dirname, '..');
const PROXY_CPU = 0;
const LOAD_CPU = 1;

/** A relay with no HTTP parsing at all: what Node's sockets cost per request, the floor for Weft. */
const RELAY = `
import net from 'node:net';
const [port, backendPort] = process.argv.slice(2).map(Number);
const batch = process.argv[4] === 'batch';
const queue = [];
const flush = () => { for (const [s, c] of queue) s.write(c); queue.length = 0; };
const send = batch ? (s, c) => { if (queue.push([s, c]) === 1) setImmediate(flush); } : (s, c) => s.write(c);
net.createServer({ noDelay: true }, (down) => {
  const up = net.connect({ port: backendPort, host: '127.0.0.1', noDelay: true });
  down.on('data', (c) => send(up, c));
  up.on('data', (c) => send(down, c));
  down.on('error', () => up.destroy());
  up.on('error', () => down.destroy());
  down.on('close', () => up.destroy());
  up.on('close', () => down.destroy());
}).listen(port, '127.0.0.1');
import('node:http').then(({ createServer }) => createServer((_q, s) => s.end('ok')).listen(port + 1, '127.0.0.1'));
`;

interface Sample { readonly rps: number; readonly usPerReq: number; readonly userUs: number; readonly sysUs: number }

/** utime and stime of one process, in clock ticks (the proxies here run as one process). */
function userSys(pid: number): [number, number] {
  const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return [Number(rest[11]), Number(rest[12])];
}

async function startWeft(dir: string, checkout: string, backend: string, tag: string, flags = process.env.WEFT_NODE_FLAGS ?? ''): Promise<Running> {
  const [adminPort, port] = await freePorts(2);
  const file = join(dir, `bootstrap-${tag}.yaml`);
  writeFileSync(file, stringify(weftBootstrap(adminPort, port, backend)));
  return launch({
    command: join(root, 'node_modules/.bin/node'),
    args: [...flags.split(' ').filter(Boolean), 'src/cli/main.ts', 'proxy', '--bootstrap', file],
    cpu: PROXY_CPU,
    cwd: checkout,
    readyUrl: `http://127.0.0.1:${adminPort}/ready`,
    url: `http://127.0.0.1:${port}/`,
  });
}

async function startRelay(dir: string, backend: string, mode = ''): Promise<Running> {
  const file = join(dir, 'relay.mjs');
  writeFileSync(file, RELAY);
  const [port] = await freePorts(1);
  const backendPort = backend.split(':')[1];
  return launch({
    command: join(root, 'node_modules/.bin/node'),
    args: [file, String(port), backendPort, mode],
    cpu: PROXY_CPU,
    readyUrl: `http://127.0.0.1:${port + 1}/`,
    url: `http://127.0.0.1:${port}/`,
  });
}

async function measure(peer: Running, seconds: number): Promise<Sample> {
  const before = treeCpuTicks(peer.pid!);
  const [u0, s0] = userSys(peer.pid!);
  const result = await runWrk(peer.url, { seconds, cpu: LOAD_CPU });
  const after = treeCpuTicks(peer.pid!);
  const [u1, s1] = userSys(peer.pid!);
  const requests = result.rps * seconds;
  const us = (ticks: number): number => (ticks / ticksPerSecond() / requests) * 1e6;
  return { rps: result.rps, usPerReq: us(after - before), userUs: us(u1 - u0), sysUs: us(s1 - s0) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '5' },
      base: { type: 'string', multiple: true, default: [] },
      'no-haproxy': { type: 'boolean', default: false },
      'no-relay': { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.duration);
  installCleanupHandlers(() => {});
  await acquireBenchLock((l) => process.stderr.write(`${l}\n`));
  const dir = makeTempDir('weft-cpu-');
  const backend = await startBackend(dir, LOAD_CPU);
  const peers = new Map<string, Running>();
  if (!values['no-haproxy']) peers.set('haproxy', await haproxy.start({ dir, backend: backend.address, cpu: PROXY_CPU }));
  if (!values['no-relay']) peers.set('relay', await startRelay(dir, backend.address));
  if (process.env.RELAY_BATCH) peers.set('relay-batch', await startRelay(dir, backend.address, 'batch'));
  peers.set('weft', await startWeft(dir, root, backend.address, 'weft'));
  for (const [i, checkout] of values.base.entries()) peers.set(`base${i}`, await startWeft(dir, checkout, backend.address, `base${i}`, process.env.WEFT_BASE_NODE_FLAGS));
  const names = [...peers.keys()];
  for (const name of names) await runWrk(peers.get(name)!.url, { seconds: 2, cpu: LOAD_CPU }); // warm-up
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const line: string[] = [];
    for (const name of order) {
      const s = await measure(peers.get(name)!, seconds);
      samples.get(name)!.push(s);
      line.push(`${name} ${Math.round(s.rps)} rps ${s.usPerReq.toFixed(1)} µs`);
    }
    process.stderr.write(`round ${r + 1}: ${line.join(' | ')}\n`);
  }
  const ref = samples.get('haproxy') ?? samples.get('relay') ?? samples.get('weft')!;
  console.log('peer       median rps  median µs/req  (user  sys)  rps ratio to ref (median of per-round)  µs ratio');
  for (const name of names) {
    const s = samples.get(name)!;
    const rpsRatio = median(s.map((x, i) => x.rps / ref[i].rps));
    const usRatio = median(s.map((x, i) => x.usPerReq / ref[i].usPerReq));
    const user = median(s.map((x) => x.userUs)).toFixed(1);
    const sys = median(s.map((x) => x.sysUs)).toFixed(1);
    console.log(`${name.padEnd(10)} ${String(Math.round(median(s.map((x) => x.rps)))).padStart(10)}  ${median(s.map((x) => x.usPerReq)).toFixed(2).padStart(13)}  (${user.padStart(4)} ${sys.padStart(4)})  ${rpsRatio.toFixed(3).padStart(10)}  ${usRatio.toFixed(3).padStart(10)}`);
  }
  await cleanupAll();
}

await main();
