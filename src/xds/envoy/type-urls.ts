// The '@type' URLs of the Envoy messages Weft reads (google.protobuf.Any payloads and xDS resources).

const T = 'type.googleapis.com/';

export const TYPE_URLS = {
  listener: `${T}envoy.config.listener.v3.Listener`,
  routeConfiguration: `${T}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  clusterLoadAssignment: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  httpConnectionManager: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  tcpProxy: `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  router: `${T}envoy.extensions.filters.http.router.v3.Router`,
  fault: `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  localRateLimit: `${T}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
  rbac: `${T}envoy.extensions.filters.http.rbac.v3.RBAC`,
  rbacPerRoute: `${T}envoy.extensions.filters.http.rbac.v3.RBACPerRoute`,
  filterConfig: `${T}envoy.config.route.v3.FilterConfig`,
  stdoutAccessLog: `${T}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  fileAccessLog: `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  httpProtocolOptions: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  roundRobinPolicy: `${T}envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin`,
  leastRequestPolicy: `${T}envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest`,
  randomPolicy: `${T}envoy.extensions.load_balancing_policies.random.v3.Random`,
  ringHashPolicy: `${T}envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash`,
  typedStruct: `${T}xds.type.v3.TypedStruct`,
  /** Weft's peak-EWMA balancer, the `type_url` inside a TypedStruct. */
  peakEwma: `${T}weft.balance.v1.PeakEwma`,
  secret: `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
  downstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  upstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  spiffeCertValidator: `${T}envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig`,
  tlsInspector: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  previousHostsPredicate: `${T}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
} as const;

/** The `type_url` of Weft's extensions inside a TypedStruct. */
export const WEFT_TYPE_URLS = {
  retryNonIdempotent: 'type.googleapis.com/weft.retry.v1.RetryNonIdempotent',
} as const;

export type TypeUrl = (typeof TYPE_URLS)[keyof typeof TYPE_URLS];

/** The key under which Envoy expects HttpProtocolOptions in `typed_extension_protocol_options`. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
