// extensions.transport_sockets.tls.v3: the TLS transport socket (DownstreamTlsContext on listener
// filter chains, UpstreamTlsContext on clusters), its Secret resource (SDS), the SPIFFE validator,
// and the tls_inspector listener filter.

import type { Static } from 'typebox';
import { StringMatcher } from './core.ts';
import { ApiConfigSource } from './config-source.ts';
import { Any, Bool, Bytes, Duration, Enum, Message, Str, Type } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

/**
 * config.core.v3.DataSource as TLS material reads it: unlike the inline-only DataSource of
 * direct responses, certificates and keys may live in files, which Weft watches for rotation.
 */
export const TlsDataSource = Message(
  {
    filename: Type.Optional(Str({ minLength: 1 })),
    inline_string: Type.Optional(Str({ minLength: 1 })),
    inline_bytes: Type.Optional(Bytes()),
  },
  {
    unsupported: { environment_variable: 'use filename or inline_string', watched_directory: 'Weft watches the files named by filename' },
    oneofs: [{ fields: ['filename', 'inline_string', 'inline_bytes', 'environment_variable'], required: true }],
  },
);

export const TLS_VERSIONS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const;
const TLS_VERSION = () => Enum([...TLS_VERSIONS], { unsupported: ['TLSv1_0', 'TLSv1_1'] });

export const TlsParameters = Message(
  {
    tls_minimum_protocol_version: Type.Optional(TLS_VERSION()),
    tls_maximum_protocol_version: Type.Optional(TLS_VERSION()),
  },
  {
    unsupported: {
      cipher_suites: "Weft uses Node's default TLS 1.2 cipher list and every TLS 1.3 suite",
      ecdh_curves: '',
      signature_algorithms: '',
      compliance_policies: '',
    },
  },
);

export const TlsCertificate = Message(
  {
    certificate_chain: TlsDataSource,
    private_key: TlsDataSource,
  },
  {
    unsupported: {
      pkey_private_key: '',
      watched_directory: 'Weft watches the files named by filename',
      private_key_provider: '',
      password: 'give the key unencrypted (mode 0600)',
      ocsp_staple: '',
      signed_certificate_timestamp: '',
      certificate_selector: '',
    },
  },
);

/**
 * The cluster name by which SDS references the workload identity agent, as Istio's sidecars do.
 * Weft's agent runs inside the proxy (`weft proxy --workload` with a token), so this cluster is
 * not defined anywhere: the name resolves in-process. An Envoy sidecar defines it (a Unix socket to its agent).
 */
export const IDENTITY_AGENT_CLUSTER = 'sds-grpc';
/** The identity agent's secrets (Istio's names): the workload certificate with its key, and the trust bundle. */
export const AGENT_CERTIFICATE = 'default';
export const AGENT_TRUST_BUNDLE = 'ROOTCA';

const SDS_AGENT_ONLY = `Weft's proxy gets SDS secrets from its workload identity agent: write api_config_source {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: ${IDENTITY_AGENT_CLUSTER}}}]}, or define the secret under static_resources.secrets and name it without sds_config`;

/** Where an SDS secret comes from: the identity agent (the private key never leaves the proxy), not the control plane. */
export const SdsConfigSource = Message(
  {
    api_config_source: ApiConfigSource,
    resource_api_version: Type.Optional(Enum(['AUTO', 'V2', 'V3'], { unsupported: ['V2'] })),
    initial_fetch_timeout: Type.Optional(Duration()),
  },
  { unsupported: { ads: SDS_AGENT_ONLY, path: SDS_AGENT_ONLY, path_config_source: SDS_AGENT_ONLY, self: SDS_AGENT_ONLY, authorities: '' } },
);

/** A reference to a Secret by name: static_resources.secrets without sds_config, the identity agent with it. */
export const SdsSecretConfig = Message(
  {
    name: Str({ minLength: 1 }),
    sds_config: Type.Optional(SdsConfigSource),
  },
  { unsupported: { sds_resource_locator: 'name the secret with name' } },
);

/** Only URI SANs with exact or prefix matchers are implemented (SPIFFE IDs); the checks refuse the rest. */
export const SubjectAltNameMatcher = Message(
  {
    san_type: Enum(['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'URI', 'IP_ADDRESS', 'OTHER_NAME'], {
      unsupported: ['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'IP_ADDRESS', 'OTHER_NAME'],
    }),
    matcher: StringMatcher,
  },
  { unsupported: { oid: '' } },
);

export const SpiffeTrustDomain = Message({
  name: Str({ minLength: 1 }),
  trust_bundle: TlsDataSource,
});

export const SpiffeCertValidatorConfig = Message(
  {
    '@type': Type.Literal(TYPE_URLS.spiffeCertValidator),
    trust_domains: Type.Array(SpiffeTrustDomain, { minItems: 1 }),
  },
  { unsupported: { trust_bundles: 'list the trust domains with their bundles in trust_domains' } },
);

export const CertValidatorExtension = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([SpiffeCertValidatorConfig]) },
);

export const CertificateValidationContext = Message(
  {
    trusted_ca: Type.Optional(TlsDataSource),
    match_typed_subject_alt_names: Type.Optional(Type.Array(SubjectAltNameMatcher)),
    custom_validator_config: Type.Optional(CertValidatorExtension),
  },
  {
    unsupported: {
      ca_certificate_provider_instance: '',
      system_root_certs: '',
      watched_directory: 'Weft watches the files named by filename',
      verify_certificate_spki: '',
      verify_certificate_hash: '',
      match_subject_alt_names: 'use match_typed_subject_alt_names with san_type: URI',
      require_signed_certificate_timestamp: '',
      crl: '',
      allow_expired_certificate: 'Weft never accepts an expired peer certificate',
      trust_chain_verification: 'Weft always verifies the chain',
      only_verify_leaf_cert_crl: '',
      max_verify_depth: 'Weft allows chains of at most 5 certificates',
    },
  },
);

/**
 * Trust anchors from an SDS secret plus checks of this context (Istio's shape: ROOTCA from the
 * agent, the SAN matchers of a cluster's service accounts here). The SAN matchers of both apply.
 */
export const CombinedValidationContext = Message({
  default_validation_context: CertificateValidationContext,
  validation_context_sds_secret_config: SdsSecretConfig,
}, { unsupported: { validation_context_certificate_provider: '', validation_context_certificate_provider_instance: '' } });

export const CommonTlsContext = Message(
  {
    tls_params: Type.Optional(TlsParameters),
    tls_certificates: Type.Optional(Type.Array(TlsCertificate)),
    tls_certificate_sds_secret_configs: Type.Optional(Type.Array(SdsSecretConfig)),
    validation_context: Type.Optional(CertificateValidationContext),
    validation_context_sds_secret_config: Type.Optional(SdsSecretConfig),
    combined_validation_context: Type.Optional(CombinedValidationContext),
    alpn_protocols: Type.Optional(Type.Array(Str({ minLength: 1, maxLength: 255 }))),
  },
  {
    unsupported: {
      tls_certificate_provider_instance: 'use tls_certificates or tls_certificate_sds_secret_configs',
      custom_tls_certificate_selector: '',
      tls_certificate_certificate_provider: '',
      tls_certificate_certificate_provider_instance: '',
      validation_context_certificate_provider: '',
      validation_context_certificate_provider_instance: '',
      custom_handshaker: '',
      key_log: '',
    },
    oneofs: [{
      fields: [
        'validation_context', 'validation_context_sds_secret_config', 'combined_validation_context',
        'validation_context_certificate_provider', 'validation_context_certificate_provider_instance',
      ],
    }],
  },
);

export const DownstreamTlsContext = Message(
  {
    '@type': Type.Literal(TYPE_URLS.downstreamTlsContext),
    common_tls_context: CommonTlsContext,
    require_client_certificate: Type.Optional(Bool({ default: false })),
  },
  {
    unsupported: {
      require_sni: '',
      session_ticket_keys: '',
      session_ticket_keys_sds_secret_config: '',
      disable_stateless_session_resumption: '',
      disable_stateful_session_resumption: '',
      session_timeout: '',
      ocsp_staple_policy: '',
      full_scan_certs_on_sni_mismatch: '',
      prefer_client_ciphers: '',
    },
  },
);

export const UpstreamTlsContext = Message(
  {
    '@type': Type.Literal(TYPE_URLS.upstreamTlsContext),
    common_tls_context: Type.Optional(CommonTlsContext),
    sni: Type.Optional(Str({ maxLength: 255 })),
  },
  {
    unsupported: {
      auto_host_sni: 'set sni',
      auto_sni_san_validation: 'match the SAN with validation_context.match_typed_subject_alt_names',
      allow_renegotiation: 'TLS renegotiation is never allowed',
      max_session_keys: '',
      enforce_rsa_key_usage: '',
    },
  },
);

const TRANSPORT_SOCKET_UNSUPPORTED = { config_discovery: '', typed_config_discovery: '' };

/** A listener filter chain's transport socket: TLS termination. */
export const DownstreamTransportSocket = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([DownstreamTlsContext]) },
  { unsupported: TRANSPORT_SOCKET_UNSUPPORTED },
);

/** A cluster's transport socket: TLS origination. */
export const UpstreamTransportSocket = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([UpstreamTlsContext]) },
  { unsupported: TRANSPORT_SOCKET_UNSUPPORTED },
);

/** extensions.transport_sockets.tls.v3.Secret: what SDS serves (static_resources.secrets for now). */
export const Secret = Message(
  {
    name: Str({ minLength: 1 }),
    tls_certificate: Type.Optional(TlsCertificate),
    validation_context: Type.Optional(CertificateValidationContext),
  },
  {
    unsupported: { session_ticket_keys: '', generic_secret: '' },
    oneofs: [{ fields: ['tls_certificate', 'validation_context', 'session_ticket_keys', 'generic_secret'], required: true }],
  },
);

/** envoy.filters.listener.tls_inspector: tells TLS from plaintext for filter_chain_match.transport_protocol. */
export const TlsInspector = Message(
  { '@type': Type.Literal(TYPE_URLS.tlsInspector) },
  { unsupported: { enable_ja3_fingerprinting: '', enable_ja4_fingerprinting: '', initial_read_buffer_size: '' } },
);

export const ListenerFilter = Message(
  { name: Str({ minLength: 1 }), typed_config: Any([TlsInspector]) },
  { unsupported: { config_discovery: '', filter_disabled: '' } },
);

export const TRANSPORT_PROTOCOLS = ['tls', 'raw_buffer'] as const;

export const FilterChainMatch = Message(
  { transport_protocol: Type.Optional(Str()) },
  {
    unsupported: {
      application_protocols: 'match on transport_protocol; the HTTP codec follows the negotiated ALPN',
      server_names: '',
      destination_port: '',
      prefix_ranges: '',
      address_suffix: '',
      suffix_len: '',
      direct_source_prefix_ranges: '',
      source_type: '',
      source_prefix_ranges: '',
      source_ports: '',
    },
  },
);

export type TlsDataSource = Static<typeof TlsDataSource>;
export type TlsParameters = Static<typeof TlsParameters>;
export type TlsCertificate = Static<typeof TlsCertificate>;
export type SdsSecretConfig = Static<typeof SdsSecretConfig>;
export type CombinedValidationContext = Static<typeof CombinedValidationContext>;
export type SubjectAltNameMatcher = Static<typeof SubjectAltNameMatcher>;
export type SpiffeCertValidatorConfig = Static<typeof SpiffeCertValidatorConfig>;
export type CertificateValidationContext = Static<typeof CertificateValidationContext>;
export type CommonTlsContext = Static<typeof CommonTlsContext>;
export type DownstreamTlsContext = Static<typeof DownstreamTlsContext>;
export type UpstreamTlsContext = Static<typeof UpstreamTlsContext>;
export type DownstreamTransportSocket = Static<typeof DownstreamTransportSocket>;
export type UpstreamTransportSocket = Static<typeof UpstreamTransportSocket>;
export type Secret = Static<typeof Secret>;
export type ListenerFilter = Static<typeof ListenerFilter>;
export type FilterChainMatch = Static<typeof FilterChainMatch>;
