// proxy: the sidecar. `runProxy` is the whole life of one `weft proxy` process.
import { writeFileSync } from 'node:fs';
import { loadBootstrapFile } from './bootstrap/index.ts';
import { buildSnapshot, staticConfigDump, staticResources } from './config/snapshot.ts';
import { startDiscovery } from './discovery/index.ts';
import { Proxy } from './proxy.ts';
import { ProxyMetrics } from './observe/index.ts';
import { startAdminServer } from './admin/index.ts';
import { IdentityClient, type IdentityClientOptions } from './identity/index.ts';
import { AgentSecrets } from './tls/agent-secrets.ts';

export interface RunProxyOptions {
  bootstrapPath: string;
  adminAddressPath?: string;
  drainTimeMs: number;
  /**
   * Run the workload identity agent: get a certificate before following the control plane, keep
   * it renewed, and serve it to SDS references of the agent (`sds-grpc`: default, ROOTCA).
   */
  identity?: Omit<IdentityClientOptions, 'log' | 'metrics'>;
}

/** Starts the proxy and resolves with the process exit code once it has drained and stopped. */
export async function runProxy(options: RunProxyOptions): Promise<number> {
  const bootstrap = loadBootstrapFile(options.bootstrapPath);
  const node = bootstrap.node;
  const metrics = new ProxyMetrics({ workload: node?.cluster ?? node?.id ?? '', namespace: namespaceOf(node?.metadata) });
  const log = (line: string) => process.stderr.write(`weft proxy: ${line}\n`);
  const agent = options.identity === undefined ? null : new AgentSecrets();
  const snapshot = buildSnapshot(staticResources(bootstrap), metrics, { configDump: staticConfigDump(bootstrap), agent });
  let quit: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { quit = resolve; });
  const proxy = new Proxy(snapshot, metrics, () => quit());
  const ads = bootstrap.dynamic_resources?.ads_config !== undefined;
  await proxy.start({ live: !ads });
  process.once('SIGTERM', () => quit());
  process.once('SIGINT', () => quit());
  const adminAddress = bootstrap.admin?.address?.socket_address;
  const admin = adminAddress
    ? await startAdminServer(proxy, { host: adminAddress.address, port: adminAddress.port_value ?? 0 })
    : null;
  if (admin && options.adminAddressPath) writeFileSync(options.adminAddressPath, `${adminAddress!.address}:${admin.port}\n`);
  let stopping = false;
  void stopped.then(() => { stopping = true; });
  // Started once the listeners are up, so nothing that can fail before leaves it running.
  const identity = options.identity === undefined ? null : new IdentityClient({ ...options.identity, log, metrics });
  if (identity !== null) {
    identity.onUpdate((update) => agent!.apply(update));
    identity.start();
    // The mesh config names the agent's certificate: fetch it first, so the first config applies
    // whole (Envoy warms listeners and clusters on their secrets in the same way).
    log(`identity: requesting a certificate for ${options.identity!.identity.id}`);
    await Promise.race([identity.ready(), stopped]);
  }
  // /ready says PRE_INITIALIZING (503) until the first configuration from the control plane is in;
  // a SIGTERM meanwhile drains and stops as usual (and one before the certificate never joins the mesh).
  const discovery = ads && !stopping ? startDiscovery(bootstrap, proxy, metrics, options.drainTimeMs, log) : null;
  if (discovery) await Promise.race([discovery.initialFetch(), stopped]);
  if (!stopping) {
    proxy.markLive();
    const ports = [...proxy.boundPorts()].map(([name, port]) => `${name}=${port}`).join(' ');
    process.stderr.write(`weft proxy: LIVE (listeners: ${ports || 'none'}; admin: ${admin ? admin.port : 'off'})\n`);
  }
  await stopped;
  discovery?.stop();
  identity?.close();
  process.stderr.write(`weft proxy: draining for up to ${options.drainTimeMs / 1000} s\n`);
  await proxy.drain(options.drainTimeMs);
  proxy.stop();
  await proxy.flushLogs();
  await admin?.close();
  process.stderr.write('weft proxy: stopped\n');
  return 0;
}

function namespaceOf(metadata: unknown): string {
  if (metadata && typeof metadata === 'object' && 'NAMESPACE' in metadata) return String((metadata as { NAMESPACE: unknown }).NAMESPACE);
  return '';
}
