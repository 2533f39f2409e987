// Wiring only: opens the store, starts the REST API and — through the seam below — the xDS
// (ADS) server. Returns a handle that closes everything in reverse order.

import { writeFileSync } from 'node:fs';
import type { Store } from './sources/store/index.ts';
import { openMemoryStore, openSqliteStore } from './sources/store/index.ts';
import { startApiServer, type CaRotationApi } from './api/index.ts';
import type { IdentityView } from './identity/index.ts';

export const DEFAULT_XDS_PORT = 15010;

export interface ControlPlaneOptions {
  /** Where the embedded node:sqlite store lives; undefined with `inMemory`. */
  readonly dataDir?: string;
  /** Keep state in memory only (lost on exit): for tests and throwaway demos. */
  readonly inMemory?: boolean;
  readonly apiAddress: string;
  readonly apiPort: number;
  readonly xdsAddress: string;
  readonly xdsPort: number;
  /** Written with `address:port` of the REST API once it listens (port 0 in tests). */
  readonly apiAddressPath?: string;
  readonly log: (line: string) => void;
}

/**
 * THE xDS SEAM. The ADS server (src/control/xds, issue 4 "xDS") plugs in here: it gets the store,
 * follows it with `followStore` (sources/resource-feed.ts: the full resource set at each
 * revision), builds the model with `meshSnapshot` and `resolveServicePort` (model/: per Service
 * port, its cluster, endpoints, policy and rules in precedence order), listens on the xDS
 * port, and returns how to stop it. `weft control-plane` passes none until
 * that server exists, and says so at start.
 */
export type XdsServerStarter = (context: {
  readonly store: Store;
  readonly address: string;
  readonly port: number;
  readonly log: (line: string) => void;
}) => Promise<{ readonly port: number; status?(): ProxyStatus; identity?(): IdentityView | undefined; ca?(): CaRotationApi | undefined; readonly served?: ServedIdentity; close(): Promise<void> }>;

/** The identity service the xDS server mounted: what sidecars need to get and renew certificates. */
export interface ServedIdentity {
  readonly trustDomain: string;
  /** The TLS port for renewals; undefined when off. */
  readonly tlsPort: number | undefined;
}

/** What `GET /weft/v1/proxies` returns: the connected xDS clients and their unresolved NACKs. */
export interface ProxyStatus {
  readonly proxies: readonly unknown[];
  readonly nacks: readonly unknown[];
}

export interface RunningControlPlane {
  readonly store: Store;
  readonly apiPort: number;
  readonly xdsPort: number | undefined;
  /** Undefined without an identity service (in memory, or no xDS server). */
  readonly served: ServedIdentity | undefined;
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions, startXds?: XdsServerStarter): Promise<RunningControlPlane> {
  const { log } = options;
  const store = options.inMemory || options.dataDir === undefined ? openMemoryStore() : openSqliteStore(options.dataDir);
  const { items, revision } = await store.list();
  log(options.inMemory || options.dataDir === undefined
    ? 'store: in memory (state is lost on exit)'
    : `store: ${options.dataDir} (revision ${revision}, ${items.length} resource${items.length === 1 ? '' : 's'})`);
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    let status: (() => ProxyStatus) | undefined;
    let identity: (() => IdentityView | undefined) | undefined;
    let ca: (() => CaRotationApi | undefined) | undefined;
    const api = await startApiServer({
      store, address: options.apiAddress, port: options.apiPort, log, proxies: () => status?.() ?? { proxies: [], nacks: [] }, identity: () => identity?.(), ca: () => ca?.(),
    });
    closers.push(() => api.close());
    log(`REST API: http://${api.address.includes(':') ? `[${api.address}]` : api.address}:${api.port}`);
    if (!isLoopback(api.address)) {
      // The API has no authentication yet: whoever reaches it can rewrite the mesh.
      log(`WARNING: the REST API listens on ${api.address}, beyond this host, and has no authentication yet; anyone who can reach it can change the mesh. Prefer --api-address 127.0.0.1`);
    }
    if (options.apiAddressPath) writeFileSync(options.apiAddressPath, `${api.address}:${api.port}\n`);
    let xdsPort: number | undefined;
    let served: ServedIdentity | undefined;
    if (startXds) {
      const xds = await startXds({ store, address: options.xdsAddress, port: options.xdsPort, log });
      closers.push(() => xds.close());
      xdsPort = xds.port;
      status = xds.status?.bind(xds);
      identity = xds.identity?.bind(xds);
      served = xds.served;
      ca = xds.ca?.bind(xds);
      log(`xDS (ADS): ${options.xdsAddress}:${xds.port}`);
    } else {
      log(`xDS (ADS): not in this build yet; port ${options.xdsPort} stays free`);
    }
    return { store, apiPort: api.port, xdsPort, served, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}
