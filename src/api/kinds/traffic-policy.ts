// TrafficPolicy (weft.dev/v1alpha1): how clients talk to a Service — load balancing,
// connection limits, outlier detection, retry budget, default timeouts, fault injection and a
// local rate limit. Names follow Kuma's and Istio's policies where they exist (see
// docs/control-plane.md); the retry budget follows Gateway API's BackendTrafficPolicy (GEP-3388).

import type { Static } from 'typebox';
import { Type, StringEnum, Duration, DNS1123_SUBDOMAIN } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { durationMs } from '../duration.ts';
import { GROUP_PATTERN, KIND_PATTERN, HEADER_NAME_PATTERN } from './gateway-common.ts';

/** LocalPolicyTargetReferenceWithSectionName (GEP-713): a Service in the policy's namespace. */
export const PolicyTargetReference = Type.Object({
  group: Type.String({ maxLength: 253, pattern: GROUP_PATTERN, description: '"" for Service.' }),
  kind: Type.String({ minLength: 1, maxLength: 63, pattern: KIND_PATTERN, description: 'Service.' }),
  name: Type.String({ minLength: 1, maxLength: 253 }),
  sectionName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN, description: 'A port name of the Service: the policy applies to that port only.' })),
});

/** The defaults the schema fills in, also what applies when no TrafficPolicy sets a section. */
export const TRAFFIC_POLICY_DEFAULTS = {
  loadBalancer: { type: 'PeakEwma' },
  connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 },
  outlierDetection: { disabled: false, consecutive5xxErrors: 5, consecutiveGatewayErrors: 0, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 },
  retryBudget: { percent: 20, interval: '10s', minRetryRate: { count: 10, interval: '1s' } },
  timeouts: { request: '15s', idle: '1h', connect: '5s' },
} as const;
const D = TRAFFIC_POLICY_DEFAULTS;

export const HashPolicy = Type.Object({
  type: StringEnum(['Header', 'Cookie', 'QueryParameter', 'SourceIP']),
  header: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }) })),
  cookie: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), ttl: Type.Optional(Duration()), path: Type.Optional(Type.String({ maxLength: 1024 })) })),
  queryParameter: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) })),
  terminal: Type.Optional(Type.Boolean({ description: 'Stop at this policy when it yields a hash.' })),
});
type HashPolicy = Static<typeof HashPolicy>;

export const LB_TYPES = ['PeakEwma', 'RoundRobin', 'LeastRequest', 'Random', 'RingHash'] as const;

export const LoadBalancer = Type.Object({
  type: StringEnum(LB_TYPES, { default: D.loadBalancer.type, description: 'PeakEwma (the default, as Linkerd) picks the faster of two random endpoints.' }),
  leastRequest: Type.Optional(Type.Object({ choiceCount: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, default: 2 })) })),
  ringHash: Type.Optional(Type.Object({
    minRingSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_388_608, default: 1024 })),
    maxRingSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_388_608, default: 8_388_608 })),
    hashPolicies: Type.Array(HashPolicy, { minItems: 1, maxItems: 16 }),
  })),
});

export const ConnectionLimits = Type.Object({
  maxConnections: Type.Optional(Type.Integer({ minimum: 1, default: D.connectionLimits.maxConnections, description: 'Connections to all endpoints of the Service.' })),
  maxPendingRequests: Type.Optional(Type.Integer({ minimum: 1, default: D.connectionLimits.maxPendingRequests, description: 'Requests waiting for a connection.' })),
  maxRequests: Type.Optional(Type.Integer({ minimum: 1, default: D.connectionLimits.maxRequests, description: 'Requests in flight at once.' })),
});

/** Istio's DestinationRule outlierDetection names (and Envoy's defaults). */
export const OutlierDetection = Type.Object({
  disabled: Type.Optional(Type.Boolean({ default: D.outlierDetection.disabled })),
  consecutive5xxErrors: Type.Optional(Type.Integer({ minimum: 0, default: D.outlierDetection.consecutive5xxErrors, description: '0 disables this detector.' })),
  consecutiveGatewayErrors: Type.Optional(Type.Integer({ minimum: 0, default: D.outlierDetection.consecutiveGatewayErrors, description: '502/503/504 only; 0 disables.' })),
  interval: Type.Optional(Duration({ default: D.outlierDetection.interval })),
  baseEjectionTime: Type.Optional(Duration({ default: D.outlierDetection.baseEjectionTime, description: 'Multiplied by the number of times the endpoint was ejected.' })),
  maxEjectionPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: D.outlierDetection.maxEjectionPercent, description: 'At least one endpoint may always be ejected.' })),
});

/** Gateway API BackendTrafficPolicy retryConstraint (GEP-3388) / Linkerd's budget: 20 % + 10/s. */
export const RetryBudget = Type.Object({
  percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: D.retryBudget.percent, description: 'Retries as a share of requests over `interval`.' })),
  interval: Type.Optional(Duration({ default: D.retryBudget.interval })),
  minRetryRate: Type.Optional(Type.Object({
    count: Type.Optional(Type.Integer({ minimum: 0, default: D.retryBudget.minRetryRate.count })),
    interval: Type.Optional(Duration({ default: D.retryBudget.minRetryRate.interval })),
  })),
});

export const PolicyTimeouts = Type.Object({
  request: Type.Optional(Duration({ default: D.timeouts.request, description: 'Default whole-request timeout; an HTTPRoute rule`s timeouts.request wins. "0s" disables.' })),
  idle: Type.Optional(Duration({ default: D.timeouts.idle, description: 'Close an upstream connection idle this long.' })),
  connect: Type.Optional(Duration({ default: D.timeouts.connect, description: 'TCP (and TLS) connection setup.' })),
});

const Percentage = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });

export const FaultInjection = Type.Object({
  delay: Type.Optional(Type.Object({
    fixedDelay: Duration(),
    percentage: Percentage('Share of requests delayed (0–100, decimals allowed).'),
  })),
  abort: Type.Optional(Type.Object({
    httpStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    grpcStatus: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: 'For gRPC: a status code such as 14 (UNAVAILABLE).' })),
    percentage: Percentage('Share of requests aborted (0–100, decimals allowed).'),
  })),
});

export const LocalRateLimit = Type.Object({
  requestRate: Type.Object({
    num: Type.Integer({ minimum: 1, description: 'Requests (tokens) added every interval.' }),
    interval: Duration({ description: 'At least 50ms.' }),
  }),
  burst: Type.Optional(Type.Integer({ minimum: 1, description: 'Bucket size; defaults to requestRate.num.' })),
  onRateLimit: Type.Optional(Type.Object({ status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, default: 429 })) })),
});

export const TrafficPolicySpec = Type.Object({
  targetRefs: Type.Array(PolicyTargetReference, { minItems: 1, maxItems: 16 }),
  loadBalancer: Type.Optional(LoadBalancer),
  connectionLimits: Type.Optional(ConnectionLimits),
  outlierDetection: Type.Optional(OutlierDetection),
  retryBudget: Type.Optional(RetryBudget),
  timeouts: Type.Optional(PolicyTimeouts),
  faultInjection: Type.Optional(FaultInjection),
  localRateLimit: Type.Optional(LocalRateLimit),
});
export type TrafficPolicySpec = Static<typeof TrafficPolicySpec>;

function checkHashPolicy(h: HashPolicy, issues: IssueList, at: FieldPath): void {
  const member = { Header: 'header', Cookie: 'cookie', QueryParameter: 'queryParameter', SourceIP: undefined }[h.type];
  for (const field of ['header', 'cookie', 'queryParameter'] as const) {
    if (field === member && h[field] === undefined) issues.add([...at, field], `${field} is required when type is ${h.type}`);
    if (field !== member && h[field] !== undefined) issues.add([...at, field], `${field} must not be set when type is ${h.type}`);
  }
}

export function checkTrafficPolicy(spec: TrafficPolicySpec, issues: IssueList, at: FieldPath): void {
  spec.targetRefs.forEach((t, i) => {
    if (t.group !== '' || t.kind !== 'Service') {
      issues.add([...at, 'targetRefs', i], `a TrafficPolicy targets a Service (group "", kind Service), got group "${t.group}" kind ${t.kind}`);
    }
  });
  const lb = spec.loadBalancer;
  if (lb) {
    const path = [...at, 'loadBalancer'];
    const type = lb.type ?? 'PeakEwma';
    if (type === 'RingHash' && !lb.ringHash) issues.add([...path, 'ringHash'], 'ringHash.hashPolicies is required when type is RingHash (what to hash: a header, a cookie, a query parameter or the source IP)');
    if (type !== 'RingHash' && lb.ringHash) issues.add([...path, 'ringHash'], `ringHash must not be set when type is ${type}`);
    if (type !== 'LeastRequest' && lb.leastRequest) issues.add([...path, 'leastRequest'], `leastRequest must not be set when type is ${type}`);
    if (lb.ringHash) {
      lb.ringHash.hashPolicies.forEach((h, i) => checkHashPolicy(h, issues, [...path, 'ringHash', 'hashPolicies', i]));
      const min = lb.ringHash.minRingSize ?? 1024;
      const max = lb.ringHash.maxRingSize ?? 8_388_608;
      if (min > max) issues.add([...path, 'ringHash', 'minRingSize'], `minRingSize (${min}) must not exceed maxRingSize (${max})`);
    }
  }
  const abort = spec.faultInjection?.abort;
  if (abort && (abort.httpStatus === undefined) === (abort.grpcStatus === undefined)) {
    issues.add([...at, 'faultInjection', 'abort'], 'set exactly one of httpStatus or grpcStatus');
  }
  const fault = spec.faultInjection;
  if (fault && !fault.delay && !fault.abort) issues.add([...at, 'faultInjection'], 'set delay, abort or both');
  const rate = spec.localRateLimit?.requestRate;
  if (rate) {
    const ms = durationMs(rate.interval);
    if (ms !== undefined && ms < 50) issues.add([...at, 'localRateLimit', 'requestRate', 'interval'], `must be at least 50ms, got ${rate.interval}`);
  }
  const interval = spec.outlierDetection?.interval;
  if (interval !== undefined && durationMs(interval) === 0) issues.add([...at, 'outlierDetection', 'interval'], 'must be greater than 0s');
}
