// RouteAction → the forward action: weighted cluster choice, timeouts, rewrites and mirrors, plus the
// per-weighted-cluster header mutations (looked up by the picked cluster's name).

import {
  DEFAULT_ROUTE_TIMEOUT, durationMs, type FractionalPercent, type RetryPolicy as RetryPolicyConfig, type RouteAction,
} from '../../../xds/envoy/index.ts';
import { compileHashPolicy } from './hash-policy.ts';
import { RetryPolicy } from '../retry/policy.ts';
import { compileLevel, type LevelMutations } from './header-mutation.ts';
import type { PathMatcher } from './path-matcher.ts';
import { compilePathRewrite } from './path-rewrite.ts';
import type { ForwardAction, Mirror } from './types.ts';

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

export function fractionOf(p: FractionalPercent | undefined): number {
  if (p === undefined) return 1; // no runtime_fraction: mirror every request (Envoy)
  return Math.min(1, (p.numerator ?? 0) / DENOMINATORS[p.denominator ?? 'HUNDRED']);
}

/**
 * Envoy's pick: the value `floor(random * total)` falls in exactly one cluster's interval
 * [begin, begin + weight); zero-weight clusters are never chosen.
 */
function weightedPicker(names: readonly string[], weights: readonly number[]): (random: number) => string {
  const total = weights.reduce((a, b) => a + b, 0);
  const ends: number[] = [];
  let acc = 0;
  for (const w of weights) ends.push((acc += w));
  const last = ends.findLastIndex((e, i) => weights[i] > 0);
  return (random) => {
    const x = Math.floor(random * total);
    for (let i = 0; i < ends.length; i++) if (x < ends[i]) return names[i];
    return names[last]; // random outside [0, 1): stay on a real choice
  };
}

export interface CompiledForward {
  readonly action: ForwardAction;
  /** Header mutations of the weighted clusters, by cluster name. */
  readonly clusterMutations: ReadonlyMap<string, LevelMutations>;
}

/** What a route inherits from its virtual host. */
export interface ForwardDefaults {
  readonly retryPolicy?: RetryPolicyConfig;
  /** per_request_buffer_limit_bytes of the route, else of the virtual host. */
  readonly bufferLimitBytes?: number;
}

const ms = (d: string | undefined): number => (d === undefined ? 0 : durationMs(d));

export function compileForward(a: RouteAction, matcher: PathMatcher, defaults: ForwardDefaults = {}): CompiledForward {
  const clusterMutations = new Map<string, LevelMutations>();
  let clusters: string[];
  let pickCluster: (random: number) => string;
  if (a.weighted_clusters) {
    const entries = a.weighted_clusters.clusters;
    clusters = entries.map((c) => c.name);
    pickCluster = weightedPicker(clusters, entries.map((c) => c.weight ?? 0));
    for (const c of entries) {
      const m = compileLevel(c);
      if ((m.request || m.response) && !clusterMutations.has(c.name)) clusterMutations.set(c.name, m);
    }
  } else {
    const name = a.cluster ?? '';
    clusters = [name];
    pickCluster = () => name;
  }
  const mirrors: Mirror[] = (a.request_mirror_policies ?? []).map((m) => ({
    cluster: m.cluster,
    fraction: fractionOf(m.runtime_fraction?.default_value),
  }));
  const retryPolicy = a.retry_policy ?? defaults.retryPolicy;
  const action: ForwardAction = {
    kind: 'forward',
    pickCluster,
    clusters: [...new Set(clusters)],
    timeoutMs: durationMs(a.timeout ?? DEFAULT_ROUTE_TIMEOUT),
    idleTimeoutMs: ms(a.idle_timeout),
    maxStreamDurationMs: ms(a.max_stream_duration?.max_stream_duration),
    grpcTimeout: { maxMs: ms(a.max_stream_duration?.grpc_timeout_header_max), offsetMs: ms(a.max_stream_duration?.grpc_timeout_header_offset) },
    // Envoy: a route's retry_policy replaces the virtual host's whole; they are not merged.
    retry: retryPolicy === undefined ? null : new RetryPolicy(retryPolicy, defaults.bufferLimitBytes),
    rewritePath: compilePathRewrite(matcher, a.prefix_rewrite, a.regex_rewrite),
    hostRewrite: a.host_rewrite_literal ? a.host_rewrite_literal : null,
    mirrors,
    hashPolicy: compileHashPolicy(a.hash_policy),
  };
  return { action, clusterMutations };
}
