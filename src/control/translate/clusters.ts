// Clusters (CDS): `outbound|<port>||<host>` per Service port, of type EDS, with the Service's
// TrafficPolicy as load balancing (peak-EWMA by default, a TypedStruct Weft's proxy reads),
// circuit breakers, outlier detection and connect timeout; and a sidecar's static
// `inbound|<targetPort>||<host>` clusters to its app on 127.0.0.1.

import type { EffectivePolicy, ResolvedServicePort } from '../model/index.ts';
import { outboundMtls, workloadSpiffeId } from './mtls.ts';
import type { Sidecar } from './node.ts';
import type { Json } from './route-match.ts';

const TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';
const PEAK_EWMA = 'type.googleapis.com/weft.balance.v1.PeakEwma';
const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_OPTIONS_TYPE = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Service ports whose appProtocol says HTTP/2 are called over HTTP/2 (h2c). */
export function speaksHttp2(appProtocol: string | undefined): boolean {
  return appProtocol === 'grpc' || appProtocol === 'http2' || appProtocol === 'kubernetes.io/h2c' || appProtocol === 'h2c';
}

const HTTP2_OPTIONS = {
  typed_extension_protocol_options: {
    [HTTP_OPTIONS_KEY]: { '@type': HTTP_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: {} } },
  },
};

function sidecarLb(policy: EffectivePolicy): Json {
  const lb = policy.loadBalancer;
  switch (lb.type) {
    case 'RoundRobin': return { lb_policy: 'ROUND_ROBIN' };
    case 'Random': return { lb_policy: 'RANDOM' };
    case 'LeastRequest': return { lb_policy: 'LEAST_REQUEST', ...(lb.leastRequest?.choiceCount ? { least_request_lb_config: { choice_count: lb.leastRequest.choiceCount } } : {}) };
    case 'RingHash': return {
      lb_policy: 'RING_HASH',
      ring_hash_lb_config: { minimum_ring_size: lb.ringHash?.minRingSize ?? 1024, maximum_ring_size: lb.ringHash?.maxRingSize ?? 8_388_608 },
    };
    default: return {
      load_balancing_policy: { policies: [{ typed_extension_config: { name: 'weft.peak_ewma', typed_config: { '@type': TYPED_STRUCT, type_url: PEAK_EWMA, value: {} } } }] },
    };
  }
}

/** gRPC has no peak-EWMA (nor random): it balances those round robin; ring hash stays ring hash. */
function proxylessLb(policy: EffectivePolicy): Json {
  const lb = policy.loadBalancer;
  if (lb.type === 'RingHash') return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: lb.ringHash?.minRingSize ?? 1024, maximum_ring_size: lb.ringHash?.maxRingSize ?? 8_388_608 } };
  return { lb_policy: 'ROUND_ROBIN' };
}

function outlierDetection(policy: EffectivePolicy): Json | undefined {
  const o = policy.outlierDetection;
  if (o.disabled) return undefined;
  const gateway = o.consecutiveGatewayErrors ?? 0;
  const five = o.consecutive5xxErrors ?? 5;
  return {
    consecutive_5xx: five,
    enforcing_consecutive_5xx: five > 0 ? 100 : 0,
    consecutive_gateway_failure: gateway > 0 ? gateway : 5,
    enforcing_consecutive_gateway_failure: gateway > 0 ? 100 : 0,
    // Only the consecutive-error detectors: the statistical ones need volumes a mesh port rarely has.
    enforcing_success_rate: 0,
    ...(o.interval ? { interval: o.interval } : {}),
    ...(o.baseEjectionTime ? { base_ejection_time: o.baseEjectionTime } : {}),
    max_ejection_percent: o.maxEjectionPercent ?? 10,
  };
}

/**
 * The TrafficPolicy's retry budget (Linkerd's shape: a share of requests plus a floor) as Envoy's
 * concurrency budget: `percent` of active requests, at least `minRetryRate.count` retries at once.
 * Envoy's budget has no window, so `interval` and `minRetryRate.interval` are not expressible.
 */
function retryBudget(policy: EffectivePolicy): Json {
  const b = policy.retryBudget;
  return { budget_percent: { value: b.percent ?? 20 }, min_retry_concurrency: b.minRetryRate?.count ?? 10 };
}

/**
 * `mtls`: the client is a sidecar with an identity; then the cluster originates mTLS to the
 * endpoints whose sidecars hold one, accepting the service accounts of exactly those.
 */
export function outboundCluster(r: ResolvedServicePort, proxyless: boolean, mtls: { readonly sidecars: ReadonlyMap<string, Sidecar>; readonly trustDomain: string } | null = null): Json {
  const limits = r.policy.connectionLimits;
  const outlier = outlierDetection(r.policy);
  const identities = mtls === null ? [] : [...new Set(r.endpoints
    .filter((e) => mtls.sidecars.get(e.workload)?.mtls === true)
    .map((e) => workloadSpiffeId(mtls.trustDomain, e.workload.split('/')[0], e.serviceAccount)))].sort();
  const http2 = !proxyless && speaksHttp2(r.port.appProtocol);
  return {
    name: r.cluster,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} } },
    connect_timeout: r.policy.timeouts.connect ?? '5s',
    ...(proxyless ? proxylessLb(r.policy) : sidecarLb(r.policy)),
    circuit_breakers: {
      thresholds: [{
        max_connections: limits.maxConnections ?? 1024,
        max_pending_requests: limits.maxPendingRequests ?? 1024,
        max_requests: limits.maxRequests ?? 1024,
        retry_budget: retryBudget(r.policy),
      }],
    },
    ...(outlier ? { outlier_detection: outlier } : {}),
    ...(http2 ? HTTP2_OPTIONS : {}),
    ...(identities.length > 0 ? outboundMtls(identities, http2) : {}),
  };
}

export function inboundStaticCluster(name: string, targetPort: number, appProtocol: string | undefined): Json {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: targetPort } } } }] }],
    },
    ...(speaksHttp2(appProtocol) ? HTTP2_OPTIONS : {}),
  };
}
