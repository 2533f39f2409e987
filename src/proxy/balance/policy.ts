// A decoded Envoy cluster's balancing settings → LbPolicy: `load_balancing_policy` (its first policy)
// wins, then the legacy `lb_policy` with its lb config; with neither, Weft's default, peak-EWMA P2C.
import {
  DEFAULT_CHOICE_COUNT, DEFAULT_EWMA_DECAY_TIME, DEFAULT_EWMA_RTT, DEFAULT_MINIMUM_RING_SIZE, MAX_RING_SIZE, TYPE_URLS, durationMs,
  type Cluster, type LeastRequestLbConfig, type PeakEwmaConfig, type TypedLbPolicy,
} from '../../xds/envoy/index.ts';
import type { LbPolicy } from './types.ts';

/** Envoy's default active_request_bias. */
const DEFAULT_ACTIVE_REQUEST_BIAS = 1;

export function lbPolicyOf(c: Cluster): LbPolicy {
  const typed = c.load_balancing_policy?.policies[0]?.typed_extension_config.typed_config;
  if (typed !== undefined) return typedPolicy(typed);
  switch (c.lb_policy) {
    case 'ROUND_ROBIN':
      return { kind: 'round_robin' };
    case 'LEAST_REQUEST':
      return leastRequest(c.least_request_lb_config ?? {});
    case 'RANDOM':
      return { kind: 'random' };
    case 'RING_HASH':
      return ringHash(c.ring_hash_lb_config ?? {});
    default:
      // The decoder refuses the other lb_policy values, so this is "not set".
      return peakEwma({});
  }
}

function typedPolicy(t: TypedLbPolicy['typed_config']): LbPolicy {
  switch (t['@type']) {
    case TYPE_URLS.typedStruct:
      return peakEwma(t.value ?? {});
    case TYPE_URLS.leastRequestPolicy:
      return leastRequest(t);
    case TYPE_URLS.ringHashPolicy:
      return ringHash(t);
    case TYPE_URLS.randomPolicy:
      return { kind: 'random' };
    case TYPE_URLS.roundRobinPolicy:
      return { kind: 'round_robin' };
  }
}

function leastRequest(l: LeastRequestLbConfig): LbPolicy {
  return {
    kind: 'least_request',
    choiceCount: l.choice_count ?? DEFAULT_CHOICE_COUNT,
    activeRequestBias: l.active_request_bias?.default_value ?? DEFAULT_ACTIVE_REQUEST_BIAS,
  };
}

function ringHash(r: { minimum_ring_size?: number; maximum_ring_size?: number }): LbPolicy {
  return {
    kind: 'ring_hash',
    minimumRingSize: r.minimum_ring_size ?? DEFAULT_MINIMUM_RING_SIZE,
    maximumRingSize: r.maximum_ring_size ?? MAX_RING_SIZE,
  };
}

function peakEwma(p: PeakEwmaConfig): LbPolicy {
  return {
    kind: 'peak_ewma',
    decayMs: durationMs(p.decay_time ?? DEFAULT_EWMA_DECAY_TIME),
    defaultRttMs: durationMs(p.default_rtt ?? DEFAULT_EWMA_RTT),
  };
}
