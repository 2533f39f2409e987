// proxy: the sidecar. `runProxy` is the whole life of one `weft proxy` process.
import { writeFileSync } from 'node:fs';
import { loadBootstrapFile } from './bootstrap/index.ts';
import { buildSnapshot, staticConfigDump, staticResources } from './config/snapshot.ts';
import { startDiscovery } from './discovery/index.ts';
import { Proxy } from './proxy.ts';
import { ProxyMetrics } from './observe/index.ts';
import { startAdminServer } from './admin/index.ts';

export interface RunProxyOptions {
  bootstrapPath: string;
  adminAddressPath?: string;
  drainTimeMs: number;
}

/** Starts the proxy and resolves with the process exit code once it has drained and stopped. */
export async function runProxy(options: RunProxyOptions): Promise<number> {
  const bootstrap = loadBootstrapFile(options.bootstrapPath);
  const node = bootstrap.node;
  const metrics = new ProxyMetrics({ workload: node?.cluster ?? node?.id ?? '', namespace: namespaceOf(node?.metadata) });
  const snapshot = buildSnapshot(staticResources(bootstrap), metrics, { configDump: staticConfigDump(bootstrap) });
  let quit: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { quit = resolve; });
  const proxy = new Proxy(snapshot, metrics, () => quit());
  const ads = bootstrap.dynamic_resources?.ads_config !== undefined;
  await proxy.start({ live: !ads });
  const log = (line: string) => process.stderr.write(`weft proxy: ${line}\n`);
  const discovery = ads ? startDiscovery(bootstrap, proxy, metrics, options.drainTimeMs, log) : null;
  const adminAddress = bootstrap.admin?.address?.socket_address;
  const admin = adminAddress
    ? await startAdminServer(proxy, { host: adminAddress.address, port: adminAddress.port_value ?? 0 })
    : null;
  if (admin && options.adminAddressPath) writeFileSync(options.adminAddressPath, `${adminAddress!.address}:${admin.port}\n`);
  process.once('SIGTERM', () => quit());
  process.once('SIGINT', () => quit());
  // /ready says PRE_INITIALIZING (503) until the first configuration from the control plane is in;
  // a SIGTERM meanwhile drains and stops as usual.
  let stopping = false;
  void stopped.then(() => { stopping = true; });
  if (discovery) await Promise.race([discovery.initialFetch(), stopped]);
  if (!stopping) {
    proxy.markLive();
    const ports = [...proxy.boundPorts()].map(([name, port]) => `${name}=${port}`).join(' ');
    process.stderr.write(`weft proxy: LIVE (listeners: ${ports || 'none'}; admin: ${admin ? admin.port : 'off'})\n`);
  }
  await stopped;
  discovery?.stop();
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
