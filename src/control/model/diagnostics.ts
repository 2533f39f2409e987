// Problems a valid resource can still have in context — a route whose parent or backend
// Service does not exist, a policy targeting a missing Service or port, a named targetPort
// no selected Workload has. Not errors (the missing piece may be applied next), so apply
// reports them as warnings, the way Gateway API reports them as route conditions.

import { fieldPath, type Resource, type ParentReference } from '../../api/index.ts';
import type { MeshSnapshot, ServiceResource, HTTPRouteResource, GRPCRouteResource, TrafficPolicyResource } from './snapshot.ts';
import { resolveBackends } from './backends.ts';
import { servicePorts } from './ports.ts';
import { selects } from './endpoints.ts';

export interface Diagnostic {
  /** `spec.rules[0].backendRefs[1]`. */
  readonly field: string;
  readonly message: string;
}

function parentProblems(snapshot: MeshSnapshot, routeNs: string, refs: readonly ParentReference[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  refs.forEach((p, i) => {
    const key = `${p.namespace ?? routeNs}/${p.name}`;
    const svc = snapshot.services.get(key);
    const field = fieldPath(['spec', 'parentRefs', i]);
    if (!svc) out.push({ field, message: `Service ${key} does not exist: the route takes effect once it does` });
    else if (p.port !== undefined && !servicePorts(svc).some((sp) => sp.port === p.port)) out.push({ field, message: `Service ${key} has no port ${p.port}: the route applies to no port` });
    else if (p.sectionName !== undefined && !servicePorts(svc).some((sp) => sp.name === p.sectionName)) out.push({ field, message: `Service ${key} has no port named "${p.sectionName}"` });
  });
  return out;
}

type Rule = { readonly backendRefs?: Parameters<typeof resolveBackends>[2]; readonly filters?: readonly { readonly requestMirror?: { readonly backendRef: Parameters<typeof resolveBackends>[2][number] } }[] };

function backendProblems(snapshot: MeshSnapshot, routeNs: string, rules: readonly Rule[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  rules.forEach((rule, r) => {
    resolveBackends(snapshot, routeNs, rule.backendRefs ?? []).forEach((b, i) => {
      if (b.invalid) out.push({ field: fieldPath(['spec', 'rules', r, 'backendRefs', i]), message: `${b.invalid}; requests routed to it get 500` });
    });
    (rule.filters ?? []).forEach((f, i) => {
      if (!f.requestMirror) return;
      const [m] = resolveBackends(snapshot, routeNs, [f.requestMirror.backendRef]);
      if (m.invalid) out.push({ field: fieldPath(['spec', 'rules', r, 'filters', i, 'requestMirror', 'backendRef']), message: `${m.invalid}; nothing is mirrored` });
    });
  });
  return out;
}

function policyProblems(snapshot: MeshSnapshot, p: TrafficPolicyResource): Diagnostic[] {
  const out: Diagnostic[] = [];
  p.spec.targetRefs.forEach((t, i) => {
    const key = `${p.metadata.namespace}/${t.name}`;
    const svc = snapshot.services.get(key);
    const field = fieldPath(['spec', 'targetRefs', i]);
    if (!svc) out.push({ field, message: `Service ${key} does not exist: the policy takes effect once it does` });
    else if (t.sectionName !== undefined && !servicePorts(svc).some((sp) => sp.name === t.sectionName)) out.push({ field, message: `Service ${key} has no port named "${t.sectionName}"` });
  });
  return out;
}

function serviceProblems(snapshot: MeshSnapshot, svc: ServiceResource): Diagnostic[] {
  const selected = snapshot.workloads.filter((w) => selects(svc, w));
  if (selected.length === 0) return [];
  const out: Diagnostic[] = [];
  servicePorts(svc).forEach((port, i) => {
    if (typeof port.targetPort !== 'string') return;
    if (!selected.some((w) => w.spec.ports?.some((wp) => wp.name === port.targetPort))) {
      out.push({ field: fieldPath(['spec', 'ports', i, 'targetPort']), message: `none of the ${selected.length} selected Workload(s) has a port named "${port.targetPort}": this port has no endpoints` });
    }
  });
  return out;
}

export function diagnose(snapshot: MeshSnapshot, r: Resource): Diagnostic[] {
  const ns = r.metadata.namespace ?? '';
  switch (r.kind) {
    case 'HTTPRoute':
    case 'GRPCRoute': {
      const route = r as HTTPRouteResource | GRPCRouteResource;
      return [...parentProblems(snapshot, ns, route.spec.parentRefs), ...backendProblems(snapshot, ns, (route.spec.rules ?? []) as readonly Rule[])];
    }
    case 'TrafficPolicy':
      return policyProblems(snapshot, r as TrafficPolicyResource);
    case 'Service':
      return serviceProblems(snapshot, r as ServiceResource);
    default:
      return [];
  }
}
