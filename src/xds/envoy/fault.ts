// extensions.filters.http.fault.v3: the fault-injection HTTP filter (HTTPFault) and its delay and
// abort messages (FaultDelay lives in extensions.filters.common.fault.v3 in Envoy).

import type { Static } from 'typebox';
import { FractionalPercent } from './core.ts';
import { HeaderMatcher } from './route-match.ts';
import { Duration, Message, Type, UInt32 } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

const NO_RUNTIME = 'Weft has no runtime layer';

export const FaultDelay = Message(
  {
    fixed_delay: Type.Optional(Duration()),
    /** The delay comes from the request's x-envoy-fault-delay-request header (milliseconds). */
    header_delay: Type.Optional(Message({})),
    percentage: Type.Optional(FractionalPercent),
  },
  {
    unsupported: { type: 'deprecated in Envoy; drop it' },
    oneofs: [{ fields: ['fixed_delay', 'header_delay'], required: true }],
  },
);

export const FaultAbort = Message(
  {
    http_status: Type.Optional(UInt32({ minimum: 200, maximum: 599 })),
    grpc_status: Type.Optional(UInt32()),
    /** The status comes from the x-envoy-fault-abort-request (or -grpc-request) header. */
    header_abort: Type.Optional(Message({})),
    percentage: Type.Optional(FractionalPercent),
  },
  { oneofs: [{ fields: ['http_status', 'grpc_status', 'header_abort'], required: true }] },
);

export const HTTPFault = Message(
  {
    '@type': Type.Literal(TYPE_URLS.fault),
    delay: Type.Optional(FaultDelay),
    abort: Type.Optional(FaultAbort),
    headers: Type.Optional(Type.Array(HeaderMatcher)),
    max_active_faults: Type.Optional(UInt32()),
  },
  {
    unsupported: {
      upstream_cluster: 'match on the route instead: set the fault in the route\'s typed_per_filter_config',
      downstream_nodes: 'Weft does not read x-envoy-downstream-service-node',
      response_rate_limit: 'response rate-limit faults arrive in a later release',
      delay_percent_runtime: NO_RUNTIME,
      abort_percent_runtime: NO_RUNTIME,
      delay_duration_runtime: NO_RUNTIME,
      abort_http_status_runtime: NO_RUNTIME,
      max_active_faults_runtime: NO_RUNTIME,
      response_rate_limit_percent_runtime: NO_RUNTIME,
      abort_grpc_status_runtime: NO_RUNTIME,
      disable_downstream_cluster_stats: 'Weft keeps no per-downstream-cluster fault stats',
      filter_metadata: '',
    },
  },
);

export type FaultDelay = Static<typeof FaultDelay>;
export type FaultAbort = Static<typeof FaultAbort>;
export type HTTPFault = Static<typeof HTTPFault>;
