// Mesh mTLS as Envoy resources (Istio's auto-mTLS shape): a sidecar's inbound listener terminates
// TLS with client certificates (STRICT: nothing else; PERMISSIVE: tls_inspector picks TLS or
// plaintext), and its outbound clusters originate TLS to the endpoints whose sidecar holds an
// identity (EDS metadata `tlsMode: weft`), verifying the SPIFFE ID announced for each. The
// certificate and trust bundle are SDS secrets `default` and `ROOTCA` of the identity agent
// (cluster `sds-grpc`); the private key never leaves the proxy.

import { workloadId } from '../../pki/index.ts';
import {
  AGENT_CERTIFICATE, AGENT_TRUST_BUNDLE, HTTP_PROTOCOL_OPTIONS_KEY, IDENTITY_AGENT_CLUSTER, TRANSPORT_SOCKET_MATCH_METADATA, TYPE_URLS, WEFT_ENDPOINT_METADATA,
} from '../../xds/envoy/index.ts';
import type { Json } from './route-match.ts';

export type MtlsMode = 'STRICT' | 'PERMISSIVE';

const AGENT = {
  api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: IDENTITY_AGENT_CLUSTER } }] },
  resource_api_version: 'V3',
};
const CERTIFICATE = { name: AGENT_CERTIFICATE, sds_config: AGENT };
const TRUST_BUNDLE = { name: AGENT_TRUST_BUNDLE, sds_config: AGENT };
const TLS_1_3 = { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_3' };
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE_URLS.tlsInspector } };

/** Endpoint metadata keys the sidecar reads (see docs/tls.md). */
export const TRANSPORT_MATCH = { tlsMode: 'weft' } as const;

/** The SPIFFE ID of a workload's service account. */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return workloadId(trustDomain, namespace, serviceAccount).id;
}

function downstreamTransportSocket(): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URLS.downstreamTlsContext,
      require_client_certificate: true,
      common_tls_context: {
        tls_params: TLS_1_3,
        // h2 first: sidecars carry their apps' HTTP/1.1 as HTTP/2 between them.
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [CERTIFICATE],
        validation_context_sds_secret_config: TRUST_BUNDLE,
      },
    },
  };
}

/**
 * The inbound listener's filter chains for `mode`, around one network filter. STRICT has one TLS
 * chain (a plaintext client fails the handshake and is closed unread); PERMISSIVE adds a
 * plaintext chain and the tls_inspector that tells them apart.
 */
export function inboundChains(mode: MtlsMode, filter: Json): { readonly listener_filters?: Json[]; readonly filter_chains: Json[] } {
  const tls = { transport_socket: downstreamTransportSocket(), filters: [filter] };
  if (mode === 'STRICT') return { filter_chains: [tls] };
  return {
    listener_filters: [TLS_INSPECTOR],
    filter_chains: [
      { filter_chain_match: { transport_protocol: 'tls' }, ...tls },
      { filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: [filter] },
    ],
  };
}

/**
 * A sidecar's outbound cluster settings for mTLS: TLS 1.3 with ALPN h2 to endpoints marked
 * `tlsMode: weft`, accepting only the service accounts behind the Service (each endpoint is
 * checked against its own announced identity too). `http2`: the Service speaks HTTP/2 anyway;
 * otherwise auto_config speaks HTTP/2 over TLS and HTTP/1.1 to plaintext endpoints.
 */
export function outboundMtls(identities: readonly string[], http2: boolean): Json {
  return {
    transport_socket_matches: [{
      name: 'weft-mtls',
      match: TRANSPORT_MATCH,
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': TYPE_URLS.upstreamTlsContext,
          common_tls_context: {
            tls_params: TLS_1_3,
            alpn_protocols: ['h2'],
            tls_certificate_sds_secret_configs: [CERTIFICATE],
            combined_validation_context: {
              default_validation_context: {
                match_typed_subject_alt_names: identities.map((id) => ({ san_type: 'URI', matcher: { exact: id } })),
              },
              validation_context_sds_secret_config: TRUST_BUNDLE,
            },
          },
        },
      },
    }],
    ...(http2 ? {} : {
      typed_extension_protocol_options: {
        [HTTP_PROTOCOL_OPTIONS_KEY]: {
          '@type': TYPE_URLS.httpProtocolOptions,
          auto_config: { http_protocol_options: {}, http2_protocol_options: {} },
        },
      },
    }),
  };
}

/** EDS metadata of an endpoint whose sidecar holds `identity`: TLS to it, and the SPIFFE ID it must present. */
export function mtlsEndpointMetadata(identity: string): Json {
  return { filter_metadata: { [TRANSPORT_SOCKET_MATCH_METADATA]: TRANSPORT_MATCH, [WEFT_ENDPOINT_METADATA]: { identity } } };
}
