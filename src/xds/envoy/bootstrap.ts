// config.bootstrap.v3.Bootstrap: the document `weft proxy --bootstrap FILE` reads.

import type { Static } from 'typebox';
import { Cluster } from './cluster.ts';
import { DynamicResources } from './config-source.ts';
import { Address, Locality } from './core.ts';
import { Listener } from './listener.ts';
import { Message, Str, Struct, Type } from './schema.ts';
import { Secret } from './tls.ts';

export const Node = Message(
  {
    id: Type.Optional(Str()),
    cluster: Type.Optional(Str()),
    metadata: Type.Optional(Struct()),
    locality: Type.Optional(Locality),
  },
  {
    unsupported: {
      dynamic_parameters: '',
      user_agent_name: 'Weft sets it',
      user_agent_version: 'Weft sets it',
      user_agent_build_version: 'Weft sets it',
      extensions: '',
      client_features: '',
      listening_addresses: '',
    },
  },
);

export const Admin = Message(
  { address: Type.Optional(Address) },
  {
    unsupported: {
      access_log: '',
      access_log_path: '',
      profile_path: '',
      socket_options: '',
      ignore_global_conn_limit: '',
      allow_paths: '',
    },
  },
);

export const StaticResources = Message(
  {
    listeners: Type.Optional(Type.Array(Listener)),
    clusters: Type.Optional(Type.Array(Cluster)),
    secrets: Type.Optional(Type.Array(Secret)),
  },
);

export const Bootstrap = Message(
  {
    node: Type.Optional(Node),
    admin: Type.Optional(Admin),
    static_resources: Type.Optional(StaticResources),
    dynamic_resources: Type.Optional(DynamicResources),
  },
  {
    unsupported: {
      layered_runtime: 'Weft has no runtime layer',
      node_context_params: '',
      cluster_manager: '',
      hds_config: '',
      flags_path: '',
      stats_sinks: 'metrics are served on the admin port at /stats/prometheus',
      deferred_stat_options: '',
      stats_config: '',
      stats_flush_interval: '',
      stats_flush_on_admin: '',
      watchdog: '',
      watchdogs: '',
      tracing: 'tracing arrives in a later release',
      overload_manager: '',
      enable_dispatcher_stats: '',
      header_prefix: '',
      stats_server_version_override: '',
      use_tcp_for_dns_lookups: '',
      dns_resolution_config: '',
      typed_dns_resolver_config: '',
      bootstrap_extensions: '',
      fatal_actions: '',
      config_sources: '',
      default_config_source: '',
      default_socket_interface: '',
      certificate_provider_instances: '',
      inline_headers: '',
      perf_tracing_file_path: '',
      default_regex_engine: 'Weft runs RE2-compatible patterns itself',
      xds_delegate_extension: '',
      xds_config_tracker_extension: '',
      listener_manager: '',
      application_log_config: '',
      grpc_async_client_manager_config: '',
      memory_allocator_manager: '',
    },
  },
);

export type Node = Static<typeof Node>;
export type Admin = Static<typeof Admin>;
export type StaticResources = Static<typeof StaticResources>;
export type Bootstrap = Static<typeof Bootstrap>;
