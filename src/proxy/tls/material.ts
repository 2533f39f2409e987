// TLS material read from Envoy DataSources: a certificate chain with its key, or trust anchors with
// SAN matchers. Checked when read, so a bad file is a config error (start) or a kept previous version (rotation).
import { readFileSync } from 'node:fs';
import { createPrivateKey, type X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { WeftError } from '../../core/errors.ts';
import { bundlePem, parsePemCertificates, parseTrustBundle, parseTrustDomain, type TrustBundle, type TrustDomain } from '../../pki/index.ts';
import type { CertificateValidationContext, TlsCertificate, TlsDataSource } from '../../xds/envoy/index.ts';

export interface CertificateMaterial {
  readonly kind: 'certificate';
  readonly certPem: string;
  readonly keyPem: string;
  /** Leaf first. */
  readonly chain: readonly X509Certificate[];
  /** Files it was read from (watched for rotation); empty when inline. */
  readonly files: readonly string[];
}

/** A URI SAN matcher of match_typed_subject_alt_names: exact or prefix. */
export type SanMatcher = { readonly exact: string } | { readonly prefix: string };

export interface ValidationMaterial {
  readonly kind: 'validation';
  /** The trust anchors; `trustDomain` is '' for a plain trusted_ca (the peer's own trust domain is then used). */
  readonly bundle: TrustBundle;
  /** True with the SPIFFE validator: peers must be in `bundle.trustDomain`. */
  readonly pinnedTrustDomain: boolean;
  readonly caPem: string;
  readonly sanMatchers: readonly SanMatcher[];
  /** A combined validation context's own matchers (the secret's and these must both accept the peer). */
  readonly extraSanMatchers?: readonly SanMatcher[];
  readonly files: readonly string[];
}

export type TlsMaterial = CertificateMaterial | ValidationMaterial;

/** Reads a DataSource; `files` collects the file names it used. Never quotes the content in errors. */
export function readDataSource(source: TlsDataSource, path: string, files: string[]): string {
  if (source.inline_string !== undefined) return source.inline_string;
  if (source.inline_bytes !== undefined) return Buffer.from(source.inline_bytes, 'base64').toString('utf8');
  const file = source.filename!;
  files.push(file);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new WeftError('WEFT_CONFIG_INVALID', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path, cause: err });
  }
}

export function readCertificate(tc: TlsCertificate, path: string): CertificateMaterial {
  const files: string[] = [];
  const certPem = readDataSource(tc.certificate_chain, `${path}.certificate_chain`, files);
  const keyPem = readDataSource(tc.private_key, `${path}.private_key`, files);
  const chain = parsePemCertificates(certPem, `${path}.certificate_chain`);
  try {
    createPrivateKey(keyPem);
  } catch {
    throw new WeftError('WEFT_CONFIG_INVALID', 'the private key is not an unencrypted PEM key (PKCS#8 or SEC1)', { path: `${path}.private_key` });
  }
  try {
    tls.createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    throw new WeftError('WEFT_CONFIG_INVALID', `the certificate chain and the private key do not belong together (${(err as Error).message})`, { path });
  }
  return { kind: 'certificate', certPem, keyPem, chain, files };
}

export function sanMatchersOf(v: CertificateValidationContext): SanMatcher[] {
  return (v.match_typed_subject_alt_names ?? []).map((m) => (m.matcher.exact !== undefined ? { exact: m.matcher.exact } : { prefix: m.matcher.prefix! }));
}

/** A validation context with more SAN matchers: a peer must satisfy one matcher of each list. */
export function withSanMatchers(v: ValidationMaterial, extra: readonly SanMatcher[]): ValidationMaterial {
  return extra.length === 0 ? v : { ...v, extraSanMatchers: extra };
}

export function readValidationContext(v: CertificateValidationContext, path: string, now = new Date()): ValidationMaterial {
  const files: string[] = [];
  const sanMatchers = sanMatchersOf(v);
  const spiffe = v.custom_validator_config?.typed_config;
  let bundle: TrustBundle;
  if (spiffe !== undefined) {
    const at = `${path}.custom_validator_config.typed_config.trust_domains[0]`;
    const domain = spiffe.trust_domains[0];
    const td = parseTrustDomain(domain.name, `${at}.name`);
    bundle = parseTrustBundle(td, readDataSource(domain.trust_bundle, `${at}.trust_bundle`, files), now, `${at}.trust_bundle`);
  } else {
    const at = `${path}.trusted_ca`;
    bundle = parseTrustBundle('' as TrustDomain, readDataSource(v.trusted_ca!, at, files), now, at);
  }
  return {
    kind: 'validation', bundle, pinnedTrustDomain: spiffe !== undefined, sanMatchers, files,
    caPem: bundlePem(bundle),
  };
}

/** Node's TLS version names for Envoy's; TLS_AUTO and unset are Weft's defaults (TLS 1.2 – 1.3). */
export function tlsVersion(v: string | undefined, fallback: tls.SecureVersion): tls.SecureVersion {
  if (v === 'TLSv1_2') return 'TLSv1.2';
  if (v === 'TLSv1_3') return 'TLSv1.3';
  return fallback;
}

/** Same content (by value): a file event that rewrote identical bytes is not a rotation. */
export function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  if (a.kind === 'certificate' && b.kind === 'certificate') return a.certPem === b.certPem && a.keyPem === b.keyPem;
  if (a.kind === 'validation' && b.kind === 'validation') {
    return a.caPem === b.caPem && a.pinnedTrustDomain === b.pinnedTrustDomain && a.bundle.trustDomain === b.bundle.trustDomain
      && JSON.stringify(a.sanMatchers) === JSON.stringify(b.sanMatchers);
  }
  return false;
}
