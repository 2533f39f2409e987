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
  stdoutAccessLog: `${T}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  fileAccessLog: `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  httpProtocolOptions: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  secret: `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
  downstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  upstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  spiffeCertValidator: `${T}envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig`,
  tlsInspector: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
} as const;

export type TypeUrl = (typeof TYPE_URLS)[keyof typeof TYPE_URLS];

/** The key under which Envoy expects HttpProtocolOptions in `typed_extension_protocol_options`. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
