// A universal-mode sidecar for mesh tests: writes the Workload (service account = its app name)
// and, given a token, the token file, then runs `weft proxy --workload` against a running
// control plane — with its identity agent when there is a token. Plus a keep-alive GET through a
// sidecar's outbound port that never throws (0 for a connection error), for load loops.
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTokens } from '../../src/control/identity/index.ts';
import { parseTrustDomain } from '../../src/pki/index.ts';
import type { RunningControlPlane } from './control-plane.ts';
import type { Closer } from './cleanup.ts';
import { freePorts } from './ports.ts';
import { startProxy, type RunningProxy } from './proxy.ts';

export interface MeshSidecar {
  readonly proxy: RunningProxy;
  readonly inbound: number;
  readonly outbound: number;
}

export interface MeshSidecarOptions {
  readonly dir: string;
  readonly cp: RunningControlPlane;
  /** The app: Workload `<name>-1`, label app=<name>, service account <name> (unless given below). */
  readonly name: string;
  readonly appPort: number;
  /** Admin, inbound and outbound ports; default: three free ones. */
  readonly ports?: readonly number[];
  readonly workload?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Where its stop is registered (cleanup.ts closeAfterAll). */
  readonly closers?: Closer[];
  /** A workload token for service account <name>: the sidecar gets a certificate and speaks mTLS. */
  readonly token?: string;
}

export async function startMeshSidecar(o: MeshSidecarOptions): Promise<MeshSidecar> {
  const [admin, inbound, outbound] = o.ports ?? await freePorts(3);
  const name = o.workload ?? `${o.name}-1`;
  const labels = Object.entries(o.labels ?? { app: o.name }).map(([k, v]) => `${k}: ${v}`).join(', ');
  const workload = join(o.dir, `${name}.yaml`);
  writeFileSync(workload, `apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: ${name}, labels: {${labels}}}\nspec: {address: 127.0.0.1, serviceAccount: ${o.name}, ports: [{name: http, port: ${o.appPort}}]}\n`);
  const identity: string[] = [];
  if (o.token !== undefined) {
    const tokenFile = join(o.dir, `${o.name}.token`);
    writeFileSync(tokenFile, o.token);
    identity.push('--token-file', tokenFile, '--identity-tls-address', `127.0.0.1:${o.cp.identityTlsPort()}`);
  }
  const proxy = await startProxy({}, {
    workload,
    args: ['--control-plane', `127.0.0.1:${o.cp.xdsPort}`, ...identity, '--admin-port', String(admin), '--inbound-port', String(inbound), '--outbound-port', String(outbound)],
  });
  o.closers?.push(() => proxy.stop());
  return { proxy, inbound, outbound };
}

/**
 * GET `path` with Host `host` through a sidecar's outbound port; resolves with the status (0: connection
 * error). `failures` collects every other outcome with the proxy's reason, for the assertion message.
 */
export function statusThrough(outbound: number, host: string, agent: http.Agent, path = '/r', failures?: string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: outbound, path, headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) failures?.push(`${new Date().toISOString()} ${res.statusCode} ${res.headers['x-weft-error'] ?? ''}`);
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', (err) => {
      failures?.push(`${new Date().toISOString()} connection error ${err.message}`);
      resolve(0);
    });
    req.end();
  });
}

/** A token for `default/<serviceAccount>` (single-use unless `reusable`), minted in the control plane's data directory as `weft token create` does. */
export async function mintToken(dataDir: string, serviceAccount: string, reusable = false): Promise<string> {
  return (await openTokens(dataDir, parseTrustDomain('cluster.local'))).mint({ namespace: 'default', serviceAccount, reusable }).token;
}
