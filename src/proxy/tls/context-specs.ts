// Envoy TLS contexts → the specs DownstreamTls / UpstreamTls run with. Inline certificates and
// validation contexts become secrets under a synthetic name, so files named inline rotate exactly
// like static_resources.secrets; SDS references (sds_config) name the identity agent's secrets.
import { WeftError } from '../../core/errors.ts';
import { IDENTITY_AGENT_CLUSTER, type CommonTlsContext, type DownstreamTlsContext, type SdsSecretConfig, type UpstreamTlsContext } from '../../xds/envoy/index.ts';
import type { DownstreamTlsSpec } from './downstream.ts';
import { sanMatchersOf, tlsVersion, type SanMatcher } from './material.ts';
import { agentSecretName, type SecretStore } from './secrets.ts';
import type { UpstreamTlsSpec } from './upstream.ts';

/** A TLS handshake must finish within this (Node's default is 120 s; a slow handshake holds a socket like a slow head). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The store name of a secret reference; the checks (tls-checks.ts) admit no SDS source but the identity agent. */
function referenced(s: SdsSecretConfig): string {
  if (s.sds_config === undefined) return s.name;
  const cluster = s.sds_config.api_config_source.grpc_services[0].envoy_grpc?.cluster_name;
  if (cluster !== IDENTITY_AGENT_CLUSTER) throw new WeftError('WEFT_INTERNAL', `secret '${s.name}' names SDS cluster '${cluster ?? ''}', which the checks should have refused`);
  return agentSecretName(s.name);
}

function certificateName(c: CommonTlsContext, path: string, secrets: SecretStore): string | null {
  const named = c.tls_certificate_sds_secret_configs?.[0];
  if (named !== undefined) return referenced(named);
  const inline = c.tls_certificates?.[0];
  if (inline === undefined) return null;
  const name = `${path}.tls_certificates[0]`;
  secrets.define({ name, tls_certificate: inline }, name);
  return name;
}

function validationName(c: CommonTlsContext, path: string, secrets: SecretStore): string | null {
  if (c.validation_context_sds_secret_config !== undefined) return referenced(c.validation_context_sds_secret_config);
  if (c.combined_validation_context !== undefined) return referenced(c.combined_validation_context.validation_context_sds_secret_config);
  if (c.validation_context === undefined) return null;
  const name = `${path}.validation_context`;
  secrets.define({ name, validation_context: c.validation_context }, name);
  return name;
}

/** SAN matchers of a combined validation context's default part, checked on top of the secret's own. */
function extraSanMatchers(c: CommonTlsContext): readonly SanMatcher[] {
  return c.combined_validation_context === undefined ? [] : sanMatchersOf(c.combined_validation_context.default_validation_context);
}

export function downstreamTlsSpec(context: DownstreamTlsContext, path: string, name: string, secrets: SecretStore): DownstreamTlsSpec {
  const c = context.common_tls_context;
  const at = `${path}.common_tls_context`;
  return {
    name,
    // The schema checks guarantee a certificate on a server context.
    certificate: certificateName(c, at, secrets)!,
    validation: validationName(c, at, secrets),
    sanMatchers: extraSanMatchers(c),
    requireClientCertificate: context.require_client_certificate ?? false,
    alpn: c.alpn_protocols ?? [],
    minVersion: tlsVersion(c.tls_params?.tls_minimum_protocol_version, 'TLSv1.2'),
    maxVersion: tlsVersion(c.tls_params?.tls_maximum_protocol_version, 'TLSv1.3'),
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  };
}

export function upstreamTlsSpec(context: UpstreamTlsContext, path: string, protocol: 'http1' | 'http2' | 'tcp', secrets: SecretStore): UpstreamTlsSpec {
  const c = context.common_tls_context ?? {};
  const at = `${path}.common_tls_context`;
  const alpn = c.alpn_protocols ?? [];
  return {
    name: path,
    certificate: certificateName(c, at, secrets),
    validation: validationName(c, at, secrets),
    sanMatchers: extraSanMatchers(c),
    sni: context.sni ?? '',
    alpn: alpn.length > 0 ? alpn : protocol === 'http2' ? ['h2'] : protocol === 'http1' ? ['http/1.1'] : [],
    minVersion: tlsVersion(c.tls_params?.tls_minimum_protocol_version, 'TLSv1.2'),
    maxVersion: tlsVersion(c.tls_params?.tls_maximum_protocol_version, 'TLSv1.3'),
  };
}
