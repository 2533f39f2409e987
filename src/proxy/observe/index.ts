// observe: the proxy's metrics registry (Prometheus text) and its batched JSON access log.
export {
  ProxyMetrics,
  DURATION_BUCKETS,
  type ProxyIdentity,
  type ProxyMetricsOptions,
  type Direction,
  type RequestMetrics,
  type TcpMetrics,
  type CounterHandle,
} from './metrics.ts';
export { PROMETHEUS_CONTENT_TYPE } from './exposition.ts';
