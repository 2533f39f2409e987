// TrafficPolicy resolution for one Service port (GEP-713 policy attachment). Policies in the
// Service's namespace whose targetRefs name it apply; one naming the port (sectionName) beats
// one naming the whole Service, then the oldest wins, then `namespace/name`. Each top-level
// section (loadBalancer, timeouts, …) comes from the first policy in that order that sets it,
// otherwise from Weft's defaults — so two policies may each contribute a different section.

import { TRAFFIC_POLICY_DEFAULTS, type TrafficPolicySpec } from '../../api/index.ts';
import type { MeshSnapshot, ServiceResource, TrafficPolicyResource } from './snapshot.ts';
import { nsName, olderFirst } from './snapshot.ts';
import type { ServicePortView } from './ports.ts';

const SECTIONS = ['loadBalancer', 'connectionLimits', 'outlierDetection', 'retryBudget', 'timeouts', 'faultInjection', 'localRateLimit'] as const;
type Section = (typeof SECTIONS)[number];

export type EffectivePolicy = {
  readonly loadBalancer: NonNullable<TrafficPolicySpec['loadBalancer']>;
  readonly connectionLimits: NonNullable<TrafficPolicySpec['connectionLimits']>;
  readonly outlierDetection: NonNullable<TrafficPolicySpec['outlierDetection']>;
  readonly retryBudget: NonNullable<TrafficPolicySpec['retryBudget']>;
  readonly timeouts: NonNullable<TrafficPolicySpec['timeouts']>;
  readonly faultInjection?: TrafficPolicySpec['faultInjection'];
  readonly localRateLimit?: TrafficPolicySpec['localRateLimit'];
  /** Which policy (`namespace/name`) each section came from; absent: the default. */
  readonly sources: Readonly<Partial<Record<Section, string>>>;
};

function targetRank(p: TrafficPolicyResource, service: ServiceResource, port: ServicePortView): number | undefined {
  let best: number | undefined;
  for (const t of p.spec.targetRefs) {
    if (t.group !== '' || t.kind !== 'Service' || t.name !== service.metadata.name) continue;
    if (t.sectionName === undefined) best = Math.min(best ?? 1, 1);
    else if (t.sectionName === port.name) best = 0;
  }
  return best;
}

export function effectivePolicy(snapshot: MeshSnapshot, service: ServiceResource, port: ServicePortView): EffectivePolicy {
  const applicable = snapshot.trafficPolicies
    .filter((p) => p.metadata.namespace === service.metadata.namespace)
    .map((p) => ({ p, rank: targetRank(p, service, port) }))
    .filter((x): x is { p: TrafficPolicyResource; rank: number } => x.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || olderFirst(a.p, b.p));
  const out: Record<string, unknown> = { ...structuredClone(TRAFFIC_POLICY_DEFAULTS) };
  const sources: Partial<Record<Section, string>> = {};
  for (const section of SECTIONS) {
    const from = applicable.find(({ p }) => p.spec[section] !== undefined);
    if (from) {
      out[section] = from.p.spec[section];
      sources[section] = nsName(from.p);
    }
  }
  return { ...(out as Omit<EffectivePolicy, 'sources'>), sources };
}
