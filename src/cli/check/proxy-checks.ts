// The proxies section of `weft check`: every connected proxy ACKs the latest config it was sent, with no NACK outstanding — from GET /weft/v1/proxies, what `weft status` shows. Also which SPIFFE IDs the connected sidecars hold.
import type { Resource, WorkloadSpec } from '../../api/index.ts';
import { ok, problem, type CheckResult } from './result.ts';

export interface ProxyTypeStatus {
  readonly typeUrl: string;
  readonly sentVersion: string;
  readonly ackedVersion: string;
  readonly awaitingAck: boolean;
}

export interface ConnectedProxyStatus {
  readonly nodeId: string;
  readonly kind: { readonly kind: string; readonly workload?: string; readonly namespace: string; readonly mtls?: boolean };
  readonly types: readonly ProxyTypeStatus[];
}

export interface ProxyNack {
  readonly nodeId: string;
  readonly typeUrl: string;
  readonly rejectedVersion: string;
  readonly keptVersion: string;
  readonly message: string;
}

/** The answer of GET /weft/v1/proxies. */
export interface ProxiesStatus {
  readonly proxies: readonly ConnectedProxyStatus[];
  readonly nacks: readonly ProxyNack[];
}

const short = (typeUrl: string) => typeUrl.split('.').pop() ?? typeUrl;
const ACKED = { id: 'proxies.acked', description: 'every connected proxy ACKed its latest config' } as const;

/** Types sent to a proxy that it has neither ACKed nor NACKed yet (a push in flight). */
export function awaitingAcks(status: ProxiesStatus): string[] {
  return status.proxies.flatMap((p) => p.types.filter((t) => t.awaitingAck || (t.sentVersion !== '' && t.sentVersion !== t.ackedVersion && !status.nacks.some((n) => n.nodeId === p.nodeId && n.typeUrl === t.typeUrl)))
    .map((t) => `${p.nodeId}: ${short(t.typeUrl)} version ${t.sentVersion} sent, not answered yet (ACKed: ${t.ackedVersion || 'none'})`));
}

export function checkProxiesAcked(status: ProxiesStatus): CheckResult {
  if (status.nacks.length > 0) {
    const nodes = new Set(status.nacks.map((n) => n.nodeId)).size;
    return problem('failure', ACKED, `${status.nacks.length} NACK${status.nacks.length === 1 ? '' : 's'} outstanding: ${nodes} prox${nodes === 1 ? 'y runs' : 'ies run'} an older config than the mesh's`,
      'the message names the resource the proxy refused: fix it and `weft apply` it again (each proxy keeps serving its last good config meanwhile); `weft status` lists them',
      status.nacks.map((n) => `${n.nodeId}: ${short(n.typeUrl)} version ${n.rejectedVersion} refused (keeps ${n.keptVersion || 'none'}): ${n.message}`));
  }
  const waiting = awaitingAcks(status);
  if (waiting.length > 0) {
    return problem('warning', ACKED, `${waiting.length} push${waiting.length === 1 ? '' : 'es'} not answered by the proxy yet`, 'run `weft check` again; a proxy that never answers is stuck or overloaded: see `weft status` and its log', waiting);
  }
  const n = status.proxies.length;
  if (n === 0) return ok(ACKED, 'no proxies connected');
  return ok(ACKED, `${n} prox${n === 1 ? 'y' : 'ies'} connected, each ACKed its latest config`);
}

const MTLS_SIDECARS = { id: 'proxies.mtls', description: 'every connected sidecar holds a workload identity (speaks mTLS)' } as const;

/**
 * Sidecars started without a workload token run no identity agent: plaintext to and from them.
 * Under PERMISSIVE that is a warning; under STRICT their inbound side is closed (the control plane
 * sends them no inbound listener), a failure.
 */
export function checkSidecarIdentities(status: ProxiesStatus, mode: 'STRICT' | 'PERMISSIVE'): CheckResult {
  const sidecars = status.proxies.filter((p) => p.kind.kind === 'sidecar' && p.kind.workload !== undefined);
  const plain = sidecars.filter((p) => p.kind.mtls !== true);
  if (plain.length === 0) return ok(MTLS_SIDECARS, sidecars.length === 0 ? 'no sidecars connected' : `${sidecars.length} sidecar${sidecars.length === 1 ? '' : 's'}, each running an identity agent (started with a workload token)`);
  const hint = 'start each with `weft proxy --workload FILE --token-file FILE` (mint the token with `weft token create --namespace NS --service-account SA`)';
  const details = plain.map((p) => `${p.nodeId} (${p.kind.workload}): no identity`);
  return mode === 'STRICT'
    ? problem('failure', MTLS_SIDECARS, `${plain.length} sidecar${plain.length === 1 ? ' runs' : 's run'} without an identity under STRICT: nothing can reach ${plain.length === 1 ? 'its app' : 'their apps'}`, hint, details)
    : problem('warning', MTLS_SIDECARS, `${plain.length} sidecar${plain.length === 1 ? ' runs' : 's run'} without an identity: ${plain.length === 1 ? 'its' : 'their'} traffic is plaintext`, hint, details);
}

/**
 * The SPIFFE IDs of connected sidecars that front a Workload: spiffe://<td>/ns/<ns>/sa/<serviceAccount>
 * (a Workload's serviceAccount defaults to "default"). A sidecar whose Workload is not stored is skipped.
 */
export function identitiesInUse(status: ProxiesStatus, workloads: readonly Resource[], trustDomain: string): Set<string> {
  const byKey = new Map(workloads.map((w) => [`${w.metadata.namespace ?? 'default'}/${w.metadata.name}`, w]));
  const out = new Set<string>();
  for (const p of status.proxies) {
    const w = p.kind.kind === 'sidecar' && p.kind.workload !== undefined ? byKey.get(p.kind.workload) : undefined;
    if (w) out.add(`spiffe://${trustDomain}/ns/${w.metadata.namespace ?? 'default'}/sa/${(w.spec as WorkloadSpec).serviceAccount ?? 'default'}`);
  }
  return out;
}
