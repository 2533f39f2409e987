// Builders for the Envoy bootstrap documents integration tests run the proxy with. They
// produce plain Envoy v3 JSON, exactly what a user would write in YAML.

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
export const STDOUT_LOG = { name: 'envoy.access_loggers.stdout', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog' } };

export function staticCluster(name: string, ports: number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } })) }],
    },
    ...extra,
  };
}

export const H2_OPTIONS = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: {} },
    },
  },
};

export function httpListener(name: string, routeConfig: Record<string, unknown>, hcmExtra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: { '@type': HCM_TYPE, stat_prefix: name, route_config: routeConfig, http_filters: [ROUTER], access_log: [STDOUT_LOG], ...hcmExtra },
      }],
    }],
  };
}

export function bootstrap(listeners: Record<string, unknown>[], clusters: Record<string, unknown>[]): Record<string, unknown> {
  return {
    node: { id: 'test-proxy', cluster: 'test' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { listeners, clusters },
  };
}

/** One listener "main", one virtual host "*" with the given routes. */
export function simple(routes: Record<string, unknown>[], clusters: Record<string, unknown>[], hcmExtra: Record<string, unknown> = {}): Record<string, unknown> {
  return bootstrap([httpListener('main', { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes }] }, hcmExtra)], clusters);
}
