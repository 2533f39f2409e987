// config.core.v3.ConfigSource and ApiConfigSource / GrpcService: where dynamic resources come from.
// Weft takes them from one aggregated (ADS) gRPC stream, so every ConfigSource says `ads: {}`.

import type { Static } from 'typebox';
import { Bool, Duration, Enum, Message, Str, Type } from './schema.ts';

export const DEFAULT_INITIAL_FETCH_TIMEOUT = '15s';

const ADS_ONLY = 'Weft takes dynamic resources from the ADS stream only: write `ads: {}`';

export const AggregatedConfigSource = Message({});

export const ConfigSource = Message(
  {
    ads: Type.Optional(AggregatedConfigSource),
    resource_api_version: Type.Optional(Enum(['AUTO', 'V2', 'V3'], { unsupported: ['V2'] })),
    initial_fetch_timeout: Type.Optional(Duration({ default: DEFAULT_INITIAL_FETCH_TIMEOUT })),
  },
  {
    unsupported: {
      path: ADS_ONLY,
      path_config_source: ADS_ONLY,
      api_config_source: ADS_ONLY,
      self: ADS_ONLY,
      authorities: '',
    },
    oneofs: [{ fields: ['path', 'path_config_source', 'api_config_source', 'ads', 'self'], required: true }],
  },
);

export const EnvoyGrpc = Message(
  { cluster_name: Str({ minLength: 1 }) },
  { unsupported: { authority: '', retry_policy: 'Weft reconnects with jittered exponential backoff', max_receive_message_length: '', skip_envoy_headers: '' } },
);

export const GrpcService = Message(
  {
    envoy_grpc: Type.Optional(EnvoyGrpc),
  },
  {
    unsupported: {
      google_grpc: 'use envoy_grpc with a static cluster',
      timeout: 'the ADS stream has no deadline; keepalive pings detect a dead control plane',
      initial_metadata: '',
      retry_policy: '',
    },
    oneofs: [{ fields: ['envoy_grpc', 'google_grpc'], required: true }],
  },
);

export const ApiConfigSource = Message(
  {
    api_type: Enum(['DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE', 'REST', 'GRPC', 'DELTA_GRPC', 'AGGREGATED_GRPC', 'AGGREGATED_DELTA_GRPC'], {
      unsupported: ['DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE', 'REST', 'DELTA_GRPC', 'AGGREGATED_GRPC', 'AGGREGATED_DELTA_GRPC'],
    }),
    transport_api_version: Type.Optional(Enum(['AUTO', 'V2', 'V3'], { unsupported: ['V2'] })),
    grpc_services: Type.Array(GrpcService, { minItems: 1, maxItems: 1 }),
    set_node_on_first_message_only: Type.Optional(Bool()),
  },
  {
    unsupported: {
      cluster_names: 'REST is not supported; use grpc_services',
      refresh_delay: '',
      request_timeout: '',
      rate_limit_settings: '',
      config_validators: '',
    },
  },
);

export const DynamicResources = Message(
  {
    ads_config: Type.Optional(ApiConfigSource),
    lds_config: Type.Optional(ConfigSource),
    cds_config: Type.Optional(ConfigSource),
  },
  { unsupported: { lds_resources_locator: '', cds_resources_locator: '' } },
);

export type ConfigSource = Static<typeof ConfigSource>;
export type GrpcService = Static<typeof GrpcService>;
export type ApiConfigSource = Static<typeof ApiConfigSource>;
export type DynamicResources = Static<typeof DynamicResources>;
