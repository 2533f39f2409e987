// Listeners (LDS): a sidecar's outbound HTTP listener on 127.0.0.1:<outbound port> (universal
// mode: the app sends plain HTTP there with the Service in Host) and its inbound listener on
// <workload address>:<inbound port>; for proxyless gRPC, one client listener per Service port,
// named `<host>:<port>`, whose api_listener carries the HTTP connection manager gRPC reads.

import { FAULT_FILTER, RATE_LIMIT_FILTER } from './routes.ts';
import { seconds } from './route-action.ts';
import { inboundChains, type MtlsMode } from './mtls.ts';
import type { Json } from './route-match.ts';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
const ADS = { ads: {} };

export const OUTBOUND_LISTENER = 'outbound';
export const INBOUND_LISTENER = 'inbound';

/** A filter that runs only where a virtual host or route configures it (typed_per_filter_config). */
function perRouteOnly(name: string, typeUrl: string, config: Json): Json {
  return { name, disabled: true, typed_config: { '@type': typeUrl, ...config } };
}

const FAULT = perRouteOnly(FAULT_FILTER, 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', {});
const RATE_LIMIT = perRouteOnly(RATE_LIMIT_FILTER, 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', { stat_prefix: 'inbound_rate_limit' });

function connectionManager(routeConfig: string, filters: readonly object[], statPrefix: string, hcmExtra: Json): Json {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      rds: { route_config_name: routeConfig, config_source: ADS },
      http_filters: [...filters, ROUTER],
      ...hcmExtra,
    },
  };
}

/** `mtls`: the inbound side's mode (filter chains per mtls.ts); null: plaintext only. */
function httpListener(name: string, direction: 'INBOUND' | 'OUTBOUND', address: string, port: number, routeConfig: string, filters: readonly object[], statPrefix: string, hcmExtra: Json = {}, mtls: MtlsMode | null = null): Json {
  const hcm = connectionManager(routeConfig, filters, statPrefix, hcmExtra);
  return {
    name,
    address: { socket_address: { address, port_value: port } },
    traffic_direction: direction,
    ...(mtls === null ? { filter_chains: [{ filters: [hcm] }] } : inboundChains(mtls, hcm)),
  };
}

export function outboundListener(port: number, routeConfig: string): Json {
  return httpListener(OUTBOUND_LISTENER, 'OUTBOUND', '127.0.0.1', port, routeConfig, [FAULT], 'outbound');
}

/**
 * Path normalization on the inbound side, where RBAC matches paths: Istio's strictest setting, so
 * `/a/../admin`, `//admin` and `%2Fadmin` are all `/admin` for the policies and the app (docs/authorization.md).
 */
const INBOUND_PATHS = { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' };

/**
 * `rbac`: the workload's AuthorizationPolicy filters (translate/rbac.ts). They run before the rate
 * limit, so denied requests spend no tokens.
 */
export function inboundListener(address: string, port: number, routeConfig: string, rbac: readonly object[], mtls: MtlsMode | null): Json {
  return httpListener(INBOUND_LISTENER, 'INBOUND', address, port, routeConfig, [...rbac, RATE_LIMIT], 'inbound', INBOUND_PATHS, mtls);
}

/** gRFC A27/A31: gRPC reads the route table from `rds` and the default deadline from max_stream_duration. */
export function grpcClientListener(name: string, routeConfig: string, requestMs: number): Json {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE,
        stat_prefix: name,
        common_http_protocol_options: { max_stream_duration: seconds(requestMs) },
        rds: { route_config_name: routeConfig, config_source: ADS },
        http_filters: [ROUTER],
      },
    },
  };
}
