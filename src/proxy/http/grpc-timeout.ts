// The gRPC `grpc-timeout` request header (PROTOCOL-HTTP2.md: up to 8 digits and a unit, e.g.
// "250m"), turned into the request's deadline as Envoy's max_stream_duration does it: less the
// configured offset, capped by grpc_timeout_header_max.
import type { GrpcTimeoutPolicy } from './route/index.ts';

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** Milliseconds the request may take, 0 when the offset used it all up, -1 for a malformed header (ignored, as Envoy does). */
export function grpcTimeoutMs(header: string, policy: GrpcTimeoutPolicy): number {
  const n = header.length;
  if (n < 2 || n > 9) return -1;
  const unit = UNIT_MS[header[n - 1]];
  if (unit === undefined) return -1;
  let value = 0;
  for (let i = 0; i < n - 1; i++) {
    const d = header.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  let ms = value * unit;
  if (policy.maxMs > 0 && ms > policy.maxMs) ms = policy.maxMs;
  return Math.max(0, ms - policy.offsetMs);
}
