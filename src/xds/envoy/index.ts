// xds/envoy: the Envoy v3 resource subset Weft serves — TypeBox schemas (the normalised shape) with
// same-named TS types, the proto-JSON decoder, per-resource semantic checks, and the helpers that
// config compilers share (durations, RE2 regexes, domain patterns).

export { TYPE_URLS, WEFT_TYPE_URLS, HTTP_PROTOCOL_OPTIONS_KEY, type TypeUrl } from './type-urls.ts';
export { Issues, ConfigError, toConfigError, formatPath, MAX_REPORTED_ISSUES } from './issues.ts';
export type { ConfigIssue, FieldPath, IssueCode } from './issues.ts';
export { decode, isPlainObject } from './decode.ts';
export { parseDuration, formatDuration, durationMs } from './duration.ts';
export { compileRe2, translateRe2, parseRe2Substitution, MAX_REGEX_LENGTH } from './regex.ts';
export type { CompiledRe2, Re2Check, Re2Substitution, Re2Translation } from './regex.ts';
export { parseDomain, domainKey, type DomainPattern, type DomainParse } from './domains.ts';
export { checkRouteConfiguration, hasFormatter, MAX_ROUTES_PER_ROUTE_CONFIGURATION, type RouteCheckOptions } from './route-checks.ts';
export { checkListener, type ListenerCheckOptions } from './listener-checks.ts';
export { checkCluster, edsServiceName } from './cluster-checks.ts';
export { checkClusterLoadAssignment, decodeDiscovered, resourceName, DISCOVERED_TYPES, type DiscoveredType } from './discovered.ts';
export { checkRetryPolicy, retryOnConditions } from './retry-checks.ts';

// Each schema below is also a type of the same name (Static<typeof Schema>).
export {
  Address, DataSource, FractionalPercent, HeaderValue, HeaderValueOption, HEADER_APPEND_ACTIONS, Int64Range, Locality,
  RegexMatchAndSubstitute, RegexMatcher, RuntimeFractionalPercent, SocketAddress, StringMatcher, type HeaderAppendAction,
} from './core.ts';
export { HeaderMatcher, QueryParameterMatcher, RouteMatch, HEADER_MATCH_SPECIFIERS, PATH_SPECIFIERS } from './route-match.ts';
export {
  ClusterWeight, DirectResponseAction, RedirectAction, RequestMirrorPolicy, Route, RouteAction, RouteConfiguration,
  VirtualHost, WeightedCluster, MaxStreamDuration, DEFAULT_ROUTE_TIMEOUT, DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES, REDIRECT_RESPONSE_CODES,
} from './route.ts';
export {
  RetryPolicy, RetryBackOff, RetryHostPredicate, PreviousHostsPredicate, RetryOptionsPredicate, RetryNonIdempotent, RETRY_ON,
  UNSUPPORTED_RETRY_ON, DEFAULT_NUM_RETRIES, DEFAULT_RETRY_BASE_INTERVAL, DEFAULT_HOST_SELECTION_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_BUFFER_LIMIT_BYTES, type RetryOn,
} from './retry-policy.ts';
export {
  HttpProtocolOptions, Http1ProtocolOptions, Http2ProtocolOptions, DEFAULT_HTTP_IDLE_TIMEOUT, DEFAULT_MAX_HEADERS_COUNT,
} from './protocol.ts';
export { AccessLog, FileAccessLog, StdoutAccessLog } from './access-log.ts';
export { HttpConnectionManager, HttpFilter, Rds, Router, UpgradeConfig } from './hcm.ts';
export { FaultAbort, FaultDelay, HTTPFault } from './fault.ts';
export { HttpStatus, LocalRateLimit, TokenBucket, DEFAULT_RATE_LIMITED_STATUS } from './local-ratelimit.ts';
export {
  Authenticated, CidrRange, PathMatcher, Permission, PermissionSet, Policy, Principal, PrincipalSet, RBAC, RBACPerRoute, RbacRules, RBAC_ACTIONS,
  type RbacAction,
} from './rbac.ts';
export { FilterConfig, PerFilterConfig, TypedPerFilterConfig } from './filter-config.ts';
export { ApiConfigSource, ConfigSource, DynamicResources, GrpcService, DEFAULT_INITIAL_FETCH_TIMEOUT } from './config-source.ts';
export { TcpProxy, TcpWeightedCluster, TcpClusterWeight, DEFAULT_TCP_IDLE_TIMEOUT } from './tcp-proxy.ts';
export { FilterChain, Listener, NetworkFilter } from './listener.ts';
export { ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints, Metadata, TRANSPORT_SOCKET_MATCH_METADATA, WEFT_ENDPOINT_METADATA } from './endpoint.ts';
export {
  CircuitBreakers, Thresholds, RetryBudget, Cluster, EdsClusterConfig, OutlierDetection, UpstreamHttpProtocolOptions, TransportSocketMatch, DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_DNS_REFRESH_RATE, DEFAULT_CIRCUIT_LIMIT, OUTLIER_DEFAULTS, DEFAULT_RETRY_BUDGET_PERCENT, DEFAULT_MIN_RETRY_CONCURRENCY,
} from './cluster.ts';
export {
  HashPolicy, LeastRequestLbConfig, LoadBalancingPolicy, PeakEwmaConfig, RingHashLbConfig, RuntimeDouble, TypedLbPolicy,
  DEFAULT_CHOICE_COUNT, DEFAULT_EWMA_DECAY_TIME, DEFAULT_EWMA_RTT, DEFAULT_MINIMUM_RING_SIZE, MAX_RING_SIZE,
} from './load-balancing.ts';
export { Admin, Bootstrap, Node, StaticResources } from './bootstrap.ts';
export {
  CertificateValidationContext, CommonTlsContext, DownstreamTlsContext, DownstreamTransportSocket, FilterChainMatch, ListenerFilter,
  SdsSecretConfig, Secret, SpiffeCertValidatorConfig, SubjectAltNameMatcher, TlsCertificate, TlsDataSource, TlsInspector, TlsParameters,
  UpstreamTlsContext, UpstreamTransportSocket, TLS_VERSIONS, TRANSPORT_PROTOCOLS, CombinedValidationContext, SdsConfigSource, IDENTITY_AGENT_CLUSTER, AGENT_CERTIFICATE, AGENT_TRUST_BUNDLE,
} from './tls.ts';
export { checkTlsContext, checkSecret, type TlsCheckOptions } from './tls-checks.ts';
