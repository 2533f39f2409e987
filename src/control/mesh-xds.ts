// Wiring only: the store feeds the mesh model, the model is translated per connected node, and
// the snapshot cache feeds the ADS server. Store changes are debounced; every node is
// re-translated, and the cache's content hashes make sure only what changed for a node is sent.
// Sidecars that bring their Workload in node metadata register it here and it is deleted
// when their last stream ends (after a grace period, so a reconnect does not flap it).

import { validateResource, describeKey, type Resource } from '../api/index.ts';
import { isWeftError } from '../core/errors.ts';
import type { Store } from './sources/store/index.ts';
import { followStore } from './sources/index.ts';
import { meshSnapshot, re2Checker, type MeshSnapshot } from './model/index.ts';
import { classifyNode, translateNode, META, type NodeKind, type Sidecar } from './translate/index.ts';
import { SnapshotCache, startAdsServer, type AdsServer } from './xds/index.ts';
import type { XdsServerStarter } from './control-plane.ts';
import type * as grpc from '@grpc/grpc-js';
import { CaAdmin, identityDataPaths, identityView, mountIdentityService, openIdentityDataDir, type IdentityView, type MountedIdentity } from './identity/index.ts';
import { DEFAULT_LEAF_TTL_MS, MAX_LEAF_TTL_MS, parseTrustDomain, type CaFiles } from '../pki/index.ts';
import { durationMs } from '../api/index.ts';
import { WeftError } from '../core/errors.ts';

/** Annotation on a Workload a sidecar registered: the node id; such a Workload goes away with it. */
export const REGISTERED_BY = 'weft.dev/registered-by';

export interface MeshXdsOptions {
  readonly debounceMs?: number;
  /** How long a registered Workload outlives its sidecar's last stream. */
  readonly deregisterGraceMs?: number;
  /**
   * After a start, how long a registered Workload waits for its sidecar to reconnect (proxies
   * reconnect with backoff when the control plane restarts) before it is deleted as stale.
   */
  readonly startupGraceMs?: number;
  /** Serve the identity service on the xDS port (and its TLS port); absent = no identity service. */
  readonly identity?: IdentityMountOptions;
}

export interface IdentityMountOptions {
  /** Holds `ca/` (unless `caFiles`) and `identity/` (token key, token store, issuance log). */
  readonly dataDir: string;
  /** Given explicitly (`--trust-domain`): wins over a stored MeshConfig's `trustDomain`. */
  readonly trustDomain?: string;
  /** A brought CA (`--ca-cert/--ca-key/--ca-roots`) instead of the generated one in `<data>/ca`. */
  readonly caFiles?: CaFiles;
  /** The TLS port (15012 by default at the CLI; 0 picks a free one; null = off). */
  readonly tlsPort: number | null;
}

interface NodeEntry {
  readonly kind: NodeKind;
  streams: number;
}

export function meshXdsStarter(options: MeshXdsOptions = {}): XdsServerStarter {
  return async ({ store, address, port, log }) => {
    const cache = new SnapshotCache();
    const nodes = new Map<string, NodeEntry>();
    const timers = new Set<NodeJS.Timeout>();
    let model: MeshSnapshot = meshSnapshot([]);
    let rebuildTimer: NodeJS.Timeout | undefined;
    /** The identity service's trust domain once mounted; '' without one (the MeshConfig's then names identities). */
    let trustDomainServed = '';

    /** Workload `namespace/name` → its connected sidecar (inbound port, mTLS or not). */
    const sidecars = (): Map<string, Sidecar> => {
      const out = new Map<string, Sidecar>();
      for (const n of nodes.values()) {
        if (n.kind.kind !== 'sidecar' || !n.kind.workload) continue;
        // Two nodes naming one Workload (a restart overlapping its predecessor, or a mistake): the
        // one with an identity wins, so a node without one cannot downgrade the endpoint to plaintext.
        if (out.get(n.kind.workload)?.mtls === true && !n.kind.mtls) continue;
        out.set(n.kind.workload, { inboundPort: n.kind.inboundPort, mtls: n.kind.mtls });
      }
      return out;
    };

    const translate = (nodeId: string, kind: NodeKind, ports: ReadonlyMap<string, Sidecar>) => {
      try {
        // The CA's trust domain (read at start) names every identity, not a MeshConfig changed since.
        cache.setSnapshot(nodeId, translateNode(model, kind, ports, trustDomainServed || undefined));
      } catch (err) {
        // The node keeps what it had; the log says which resource could not be built.
        log(`xds: cannot translate for node '${nodeId}': ${(err as Error).message}`);
      }
    };
    const rebuildAll = () => {
      rebuildTimer = undefined;
      const ports = sidecars();
      for (const [id, n] of nodes) translate(id, n.kind, ports);
    };
    const schedule = () => {
      if (rebuildTimer === undefined) rebuildTimer = setTimeout(rebuildAll, options.debounceMs ?? 50);
    };

    const register = async (nodeId: string, value: unknown) => {
      if (value === null || typeof value !== 'object') return;
      const doc = value as { metadata?: Record<string, unknown> };
      const v = validateResource({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', ...doc }, { regex: re2Checker });
      if (!v.ok) {
        log(`xds: node '${nodeId}' sent a Workload that is not valid, not registered: ${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        return;
      }
      const existing = await store.get({ kind: 'Workload', namespace: v.resource.metadata.namespace ?? 'default', name: v.resource.metadata.name });
      const owner = existing?.metadata.annotations?.[REGISTERED_BY];
      // A Workload applied by hand is the user's: the sidecar uses it and leaves it alone.
      if (existing && owner === undefined) return;
      const resource: Resource = {
        ...v.resource,
        metadata: { ...v.resource.metadata, annotations: { ...v.resource.metadata.annotations, [REGISTERED_BY]: nodeId } },
      };
      await store.apply([resource]);
      log(`xds: registered ${describeKey({ kind: 'Workload', namespace: resource.metadata.namespace ?? 'default', name: resource.metadata.name })} for node '${nodeId}'`);
    };

    const deregister = async (nodeId: string, workload: string) => {
      const [namespace, name] = workload.split('/');
      const existing = await store.get({ kind: 'Workload', namespace, name });
      if (existing?.metadata.annotations?.[REGISTERED_BY] !== nodeId) return;
      try {
        await store.delete({ kind: 'Workload', namespace, name }, { resourceVersion: existing.metadata.resourceVersion });
        log(`xds: deleted Workload ${workload}: its sidecar '${nodeId}' is gone`);
      } catch (err) {
        if (!isWeftError(err) || (err.code !== 'WEFT_NOT_FOUND' && err.code !== 'WEFT_CONFLICT')) throw err;
      }
    };

    const onNode = (event: 'connected' | 'disconnected', nodeId: string, node: Readonly<Record<string, unknown>>) => {
      const metadata = (node.metadata ?? {}) as Record<string, unknown>;
      if (event === 'connected') {
        const entry = nodes.get(nodeId);
        if (entry) entry.streams++;
        else nodes.set(nodeId, { kind: classifyNode(metadata), streams: 1 });
        const kind = nodes.get(nodeId)!.kind;
        // Synchronously, so the stream's first answer is this node's own view.
        translate(nodeId, kind, sidecars());
        schedule();
        if (kind.kind === 'sidecar' && typeof metadata[META.workload] === 'object') {
          register(nodeId, metadata[META.workload]).catch((err) => log(`xds: registering the Workload of node '${nodeId}' failed: ${(err as Error).message}`));
        }
        return;
      }
      const entry = nodes.get(nodeId);
      if (!entry || --entry.streams > 0) return;
      nodes.delete(nodeId);
      cache.clearNode(nodeId);
      schedule();
      const workload = entry.kind.kind === 'sidecar' ? entry.kind.workload : undefined;
      if (workload === undefined) return;
      const t = setTimeout(() => {
        timers.delete(t);
        if (nodes.has(nodeId)) return;
        deregister(nodeId, workload).catch((err) => log(`xds: deregistering ${workload} failed: ${(err as Error).message}`));
      }, options.deregisterGraceMs ?? 2000);
      timers.add(t);
    };

    const feed = await followStore(store, (update) => {
      model = meshSnapshot(update.resources);
      schedule();
    });
    // Workloads registered before this start whose sidecar does not come back are stale.
    const sweep = setTimeout(() => {
      timers.delete(sweep);
      for (const w of model.workloads) {
        const owner = w.metadata.annotations?.[REGISTERED_BY];
        if (owner === undefined || nodes.has(owner)) continue;
        deregister(owner, `${w.metadata.namespace}/${w.metadata.name}`).catch((err) => log(`xds: deleting stale Workload ${w.metadata.name} failed: ${(err as Error).message}`));
      }
    }, options.startupGraceMs ?? 30_000);
    timers.add(sweep);
    let server: AdsServer;
    let identity: MountedIdentity | undefined;
    let identityStatus: (() => IdentityView) | undefined;
    let caAdmin: CaAdmin | undefined;
    const idOptions = options.identity;
    const configure = idOptions === undefined ? undefined : async (grpcServer: grpc.Server) => {
      // The flag wins (it is what the operator typed for this start); else the stored MeshConfig's; else cluster.local.
      const source = idOptions.trustDomain !== undefined ? '--trust-domain' : model.mesh.trustDomain !== undefined ? 'MeshConfig' : 'default';
      const trustDomain = parseTrustDomain(idOptions.trustDomain ?? model.mesh.trustDomain ?? 'cluster.local');
      // Like the trust domain, the lifetime is read at start: a MeshConfig change applies at the next start.
      const ttl = model.mesh.certificates?.workloadTTL;
      const leafTtlMs = ttl === undefined ? undefined : durationMs(ttl);
      if (leafTtlMs !== undefined && leafTtlMs > MAX_LEAF_TTL_MS) {
        throw new WeftError('WEFT_CONFIG_INVALID', `MeshConfig certificates.workloadTTL is ${ttl}, but a workload certificate lives at most 30 days (720h); lower it with weft apply and start again`);
      }
      const opened = await openIdentityDataDir(idOptions.dataDir, trustDomain, idOptions.caFiles);
      identity = await mountIdentityService(grpcServer, { ...opened, address, tlsPort: idOptions.tlsPort, leafTtlMs, log });
      trustDomainServed = trustDomain;
      const { ca, issuanceLog } = opened;
      // The CA in force now: during a root rotation its bundle holds the old and the new roots.
      identityStatus = () => {
        const current = ca.view.ca;
        return identityView({
          trustDomain, workloadTtlMs: leafTtlMs ?? DEFAULT_LEAF_TTL_MS, roots: current.bundle.roots, issuer: current.issuer, intermediates: current.intermediates, records: issuanceLog.all(), now: new Date(),
        });
      };
      caAdmin = new CaAdmin(opened.ca, opened.issuanceLog, log);
      if (opened.ca.view.phase !== 'steady') log(`identity: a CA rotation is in progress (${opened.ca.view.phase}); \`weft ca status\` shows it`);
      log(`identity: trust domain ${trustDomain} (${source}), workload certificates ${ttl ?? '24h'}, CA ${idOptions.caFiles ? `from ${idOptions.caFiles.certFile}` : `generated in ${identityDataPaths(idOptions.dataDir).caDir}`}; ` +
        `plaintext on the xDS port, ${identity.tlsPort === undefined ? 'TLS port off' : `TLS ${address}:${identity.tlsPort} as ${identity.identity.id}`}`);
    };
    try {
      server = await startAdsServer({ cache, host: address, port, log: (line) => log(`xds: ${line}`), onNode, configure });
    } catch (err) {
      identity?.close();
      feed.close();
      for (const t of timers) clearTimeout(t);
      throw err;
    }
    return {
      port: server.port,
      ...(identity !== undefined ? { served: { trustDomain: trustDomainServed, tlsPort: identity.tlsPort } } : {}),
      status: () => ({
        proxies: server.proxies().map((p) => ({ ...p, kind: nodes.get(p.nodeId)?.kind ?? classifyNode((p.node?.metadata ?? {}) as Record<string, unknown>) })),
        nacks: server.nacks(),
      }),
      identity: () => identityStatus?.(),
      ca: () => caAdmin,
      close: async () => {
        feed.close();
        if (rebuildTimer !== undefined) clearTimeout(rebuildTimer);
        for (const t of timers) clearTimeout(t);
        await server.close();
        identity?.close();
      },
    };
  };
}

