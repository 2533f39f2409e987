// The secrets this proxy's workload identity agent provides to SDS references that name the
// agent's cluster (`sds-grpc`): `default`, the workload certificate with its key, and `ROOTCA`, the
// trust bundle — Istio's names. They outlive config snapshots: TLS contexts built on them only are
// carried over an xDS update, warm pools and all. A secret may be absent (before the first
// certificate, after expiry): contexts then fail closed.
import { parsePemCertificates } from '../../pki/index.ts';
import { AGENT_CERTIFICATE, AGENT_TRUST_BUNDLE } from '../../xds/envoy/index.ts';
import type { IdentityUpdate } from '../identity/client.ts';
import type { TlsMaterial } from './material.ts';

export { AGENT_CERTIFICATE, AGENT_TRUST_BUNDLE };

interface AgentEntry {
  material: TlsMaterial | null;
  readonly listeners: Set<() => void>;
  rotations: number;
}

export class AgentSecrets {
  readonly #entries = new Map<string, AgentEntry>();

  /** Whether the agent provides a secret of this name (present now or not). */
  provides(name: string): boolean {
    return name === AGENT_CERTIFICATE || name === AGENT_TRUST_BUNDLE;
  }

  /** The material now; null while absent. */
  get(name: string): TlsMaterial | null {
    return this.#entries.get(name)?.material ?? null;
  }

  rotations(name: string): number {
    return this.#entries.get(name)?.rotations ?? 0;
  }

  /** Calls `fn` after each change; returns how to stop. */
  subscribe(name: string, fn: () => void): () => void {
    const entry = this.#entry(name);
    entry.listeners.add(fn);
    return () => entry.listeners.delete(fn);
  }

  /**
   * What the identity client reports: a new certificate (and its trust bundle) to swap in, or
   * expiry — the certificate goes, the trust bundle stays (peers can still be verified, nothing
   * is presented, so mTLS fails closed both ways).
   */
  apply(update: IdentityUpdate): void {
    if (update.state === 'expired') {
      this.#set(AGENT_CERTIFICATE, null);
      return;
    }
    const svid = update.svid;
    this.#set(AGENT_CERTIFICATE, {
      kind: 'certificate', certPem: svid.certChainPem, keyPem: svid.key.exportPkcs8Pem(),
      chain: parsePemCertificates(svid.certChainPem, 'the identity service response'), files: [],
    });
    this.#set(AGENT_TRUST_BUNDLE, {
      kind: 'validation', bundle: svid.bundle, pinnedTrustDomain: true, caPem: svid.trustBundlePem, sanMatchers: [], files: [],
    });
  }

  #entry(name: string): AgentEntry {
    let entry = this.#entries.get(name);
    if (entry === undefined) this.#entries.set(name, (entry = { material: null, listeners: new Set(), rotations: 0 }));
    return entry;
  }

  #set(name: string, material: TlsMaterial | null): void {
    const entry = this.#entry(name);
    const old = entry.material;
    if (old === null && material === null) return;
    if (old !== null && material !== null && old.kind === 'certificate' && material.kind === 'certificate' && old.certPem === material.certPem) return;
    if (old !== null && material !== null && old.kind === 'validation' && material.kind === 'validation' && old.caPem === material.caPem) return;
    entry.material = material;
    entry.rotations++;
    for (const fn of entry.listeners) fn();
  }
}
