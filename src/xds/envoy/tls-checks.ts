// Semantic checks on TLS contexts and Secrets: one certificate, trust configured in one place, SAN
// matchers Weft implements, secret references that resolve. Shared by the bootstrap loader and, later, LDS/CDS/SDS.

import type { FieldPath, Issues } from './issues.ts';
import { IDENTITY_AGENT_CLUSTER, type CertificateValidationContext, type CommonTlsContext, type SdsSecretConfig, type Secret } from './tls.ts';

export interface TlsCheckOptions {
  /** Names of static_resources.secrets by kind (references without sds_config must name one); null: not checked. */
  readonly secrets: { readonly tlsCertificates: ReadonlySet<string>; readonly validationContexts: ReadonlySet<string> } | null;
}

const VERSION_ORDER = ['TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'];

export function checkValidationContext(v: CertificateValidationContext, path: FieldPath, issues: Issues): void {
  const spiffe = v.custom_validator_config;
  if (v.trusted_ca !== undefined && spiffe !== undefined) {
    issues.invalid(path, "set the trust anchors in one place: trusted_ca or the SPIFFE validator's trust_domains, not both");
  }
  if (v.trusted_ca === undefined && spiffe === undefined) {
    issues.invalid(path, 'a validation context needs trust anchors: trusted_ca, or custom_validator_config envoy.tls.cert_validator.spiffe with trust_domains');
  }
  if (spiffe !== undefined && spiffe.typed_config.trust_domains.length > 1) {
    issues.unsupported([...path, 'custom_validator_config', 'typed_config', 'trust_domains'], 'Weft does not support federation (several trust domains) yet: list one trust domain');
  }
  checkSanMatchers(v, path, issues);
}

function checkSanMatchers(v: CertificateValidationContext, path: FieldPath, issues: Issues): void {
  (v.match_typed_subject_alt_names ?? []).forEach((m, i) => {
    const at = [...path, 'match_typed_subject_alt_names', i, 'matcher'];
    if (m.matcher.exact === undefined && m.matcher.prefix === undefined) {
      issues.unsupported(at, 'Weft matches SPIFFE IDs with exact or prefix only');
    }
    if (m.matcher.ignore_case) issues.unsupported([...at, 'ignore_case'], 'SPIFFE IDs are matched case-sensitively');
  });
}

/**
 * A secret reference: with sds_config it must name the identity agent (the only SDS source Weft's
 * proxy has); without, a static secret of the right kind.
 */
function checkSecretReference(s: SdsSecretConfig, kind: 'tlsCertificates' | 'validationContexts', path: FieldPath, issues: Issues, options: TlsCheckOptions): void {
  if (s.sds_config !== undefined) {
    const cluster = s.sds_config.api_config_source.grpc_services[0].envoy_grpc?.cluster_name;
    if (cluster !== IDENTITY_AGENT_CLUSTER) {
      issues.unsupported([...path, 'sds_config', 'api_config_source', 'grpc_services', 0, 'envoy_grpc', 'cluster_name'],
        `Weft's proxy gets SDS secrets from its workload identity agent only: name cluster '${IDENTITY_AGENT_CLUSTER}' (found '${cluster ?? ''}')`);
    }
    return;
  }
  if (options.secrets !== null && !options.secrets[kind].has(s.name)) {
    const what = kind === 'tlsCertificates' ? 'tls_certificate' : 'validation_context';
    issues.invalid([...path, 'name'], `no secret '${s.name}' with a ${what} under static_resources.secrets (or give sds_config to take it from the identity agent)`);
  }
}

/** `server`: a DownstreamTlsContext's common context, which must carry a certificate. */
export function checkTlsContext(c: CommonTlsContext, path: FieldPath, issues: Issues, options: TlsCheckOptions & { readonly server: boolean; readonly requireClientCertificate?: boolean }): void {
  const inline = c.tls_certificates ?? [];
  const named = c.tls_certificate_sds_secret_configs ?? [];
  if (inline.length + named.length > 1) {
    issues.unsupported(path, 'Weft serves one certificate per TLS context (one of tls_certificates or tls_certificate_sds_secret_configs)');
  }
  if (options.server && inline.length + named.length === 0) {
    issues.invalid(path, 'a server TLS context needs a certificate: tls_certificates or tls_certificate_sds_secret_configs');
  }
  named.forEach((s, i) => checkSecretReference(s, 'tlsCertificates', [...path, 'tls_certificate_sds_secret_configs', i], issues, options));
  const vsds = c.validation_context_sds_secret_config;
  if (vsds !== undefined) checkSecretReference(vsds, 'validationContexts', [...path, 'validation_context_sds_secret_config'], issues, options);
  if (c.validation_context !== undefined) checkValidationContext(c.validation_context, [...path, 'validation_context'], issues);
  const combined = c.combined_validation_context;
  if (combined !== undefined) {
    const at = [...path, 'combined_validation_context'];
    checkSecretReference(combined.validation_context_sds_secret_config, 'validationContexts', [...at, 'validation_context_sds_secret_config'], issues, options);
    const d = combined.default_validation_context;
    if (d.trusted_ca !== undefined || d.custom_validator_config !== undefined) {
      issues.unsupported([...at, 'default_validation_context'], 'the trust anchors of a combined validation context come from its SDS secret; give SAN matchers only here');
    }
    checkSanMatchers(d, [...at, 'default_validation_context'], issues);
  }
  if (options.requireClientCertificate && c.validation_context === undefined && vsds === undefined && combined === undefined) {
    issues.invalid(path, 'require_client_certificate needs a validation context (validation_context, validation_context_sds_secret_config or combined_validation_context) to check client certificates against');
  }
  const p = c.tls_params;
  const min = VERSION_ORDER.indexOf(p?.tls_minimum_protocol_version ?? '');
  const max = VERSION_ORDER.indexOf(p?.tls_maximum_protocol_version ?? '');
  if (min >= 0 && max >= 0 && min > max) {
    issues.invalid([...path, 'tls_params'], `tls_minimum_protocol_version ${p!.tls_minimum_protocol_version} is above tls_maximum_protocol_version ${p!.tls_maximum_protocol_version}`);
  }
}

export function checkSecret(s: Secret, path: FieldPath, issues: Issues): void {
  if (s.validation_context !== undefined) checkValidationContext(s.validation_context, [...path, 'validation_context'], issues);
}
