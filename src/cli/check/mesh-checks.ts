// The mTLS and policy sections of `weft check`: the MeshConfig's mTLS mode (a warning until STRICT), and AuthorizationPolicies that target a Service that does not exist. Pure functions of the stored resources.
import type { AuthorizationPolicySpec, MeshConfigSpec, Resource } from '../../api/index.ts';
import { ok, problem, type CheckResult } from './result.ts';

const MTLS = { id: 'mtls.mode', description: 'mTLS is STRICT' } as const;

/** The MeshConfig the hint tells to apply when there is none (one line of YAML flow style). */
export const STRICT_MESH_CONFIG = '{apiVersion: weft.dev/v1alpha1, kind: MeshConfig, metadata: {name: default}, spec: {mtls: {mode: STRICT}}}';

/** `mesh`: the MeshConfig's spec, undefined when none is applied; `identity`: whether the identity service runs. */
export function checkMtlsMode(mesh: MeshConfigSpec | undefined, identity: boolean): CheckResult {
  const mode = mesh?.mtls?.mode ?? 'PERMISSIVE';
  if (mode === 'STRICT') {
    if (!identity) return problem('failure', MTLS, 'mtls.mode is STRICT but the identity service is off: proxies get no certificate, so every inbound connection is refused', 'start `weft control-plane` with --data-dir DIR (not --in-memory), or set mtls.mode PERMISSIVE');
    return ok(MTLS, 'MeshConfig mtls.mode is STRICT; inbound plaintext and TLS without a client certificate are refused');
  }
  const why = mesh === undefined ? 'mtls.mode is PERMISSIVE (the default: no MeshConfig is applied)' : 'MeshConfig mtls.mode is PERMISSIVE';
  const hint = mesh === undefined
    ? `once every workload's sidecar holds an identity (proxies.mtls passes): echo '${STRICT_MESH_CONFIG}' | weft apply -f -`
    : 'once every workload\'s sidecar holds an identity (proxies.mtls passes): set spec.mtls.mode: STRICT in the MeshConfig "default" (weft get meshconfig default -o yaml) and weft apply it';
  return problem('warning', MTLS, `${why}, so inbound plaintext is still accepted (counted as tls="false")`, hint);
}

const TARGETS = { id: 'policy.authorization-targets', description: 'every AuthorizationPolicy targets an existing Service' } as const;

export function checkAuthorizationTargets(policies: readonly Resource[], services: readonly Resource[]): CheckResult {
  const existing = new Set(services.map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`));
  const missing: string[] = [];
  for (const p of policies) {
    const ns = p.metadata.namespace ?? 'default';
    ((p.spec as AuthorizationPolicySpec).targetRefs ?? []).forEach((t, i) => {
      if (t.kind === 'Service' && !existing.has(`${ns}/${t.name}`)) missing.push(`AuthorizationPolicy ${ns}/${p.metadata.name} spec.targetRefs[${i}]: Service ${ns}/${t.name} does not exist`);
    });
  }
  if (missing.length > 0) {
    return problem('warning', TARGETS, `${missing.length} target${missing.length === 1 ? '' : 's'} of AuthorizationPolicies name no Service: those policies protect nothing until the Service exists`, 'fix the name in targetRefs (a policy targets Services of its own namespace), or apply the Service', missing);
  }
  if (policies.length === 0) return ok(TARGETS, 'no AuthorizationPolicy applied');
  return ok(TARGETS, `${policies.length} AuthorizationPolic${policies.length === 1 ? 'y' : 'ies'}, every target exists`);
}
