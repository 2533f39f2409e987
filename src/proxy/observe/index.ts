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
export { AccessLog, type AccessLogOptions } from './access-log.ts';
export { formatAccessLogLine, type AccessLogRecord } from './access-log-format.ts';
export { fileSink, streamSink, type AccessLogSink } from './access-log-sink.ts';
