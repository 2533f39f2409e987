// A test mesh's PKI on disk (src/pki: a CA, SVIDs per workload, bad certificates from the B1
// forger) and builders for the Envoy TLS resources that use it — what the control plane will send.
import { mkdtempSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePem, createCsr, generateCa, issueSvid, parseTrustDomain, workloadId, type GeneratedCa, type WorkloadIdentity } from '../../src/pki/index.ts';
import { forge, type ForgeOptions } from '../../src/pki/testkit.ts';

export const TD = parseTrustDomain('cluster.local');
export const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const SPIFFE_VALIDATOR = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig';
export const TLS_INSPECTOR = {
  name: 'envoy.filters.listener.tls_inspector',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
};

export interface SvidFiles {
  readonly identity: WorkloadIdentity;
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM text of the chain and the key (for test clients). */
  cert: string;
  key: string;
  serial: string;
}

export interface TestPki {
  readonly dir: string;
  readonly generated: GeneratedCa;
  readonly bundleFile: string;
  readonly bundlePem: string;
  identity(namespace: string, serviceAccount: string): WorkloadIdentity;
  /** Issues an SVID and writes it as `<name>-cert.pem` / `<name>-key.pem` (atomically: write then rename). */
  issue(name: string, identity: WorkloadIdentity, ttlMs?: number): Promise<SvidFiles>;
  /** A certificate forged with `options` (signed by the mesh issuer unless `options.signer`), as PEM for a test client. */
  forged(options: ForgeOptions, withIssuer?: boolean): Promise<{ cert: string; key: string }>;
  close(): void;
}

function atomicWrite(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pki-'));
  const generated = await generateCa(TD);
  const pem = bundlePem(generated.ca.bundle);
  const bundleFile = join(dir, 'bundle.pem');
  writeFileSync(bundleFile, pem);
  return {
    dir, generated, bundleFile, bundlePem: pem,
    identity: (ns, sa) => workloadId(TD, ns, sa),
    async issue(name, identity, ttlMs) {
      const { key, csrPem } = await createCsr(identity);
      const svid = await issueSvid(generated.ca, csrPem, identity, ttlMs === undefined ? {} : { ttlMs });
      const certFile = join(dir, `${name}-cert.pem`);
      const keyFile = join(dir, `${name}-key.pem`);
      const keyPem = key.exportPkcs8Pem();
      // The key first: a watcher that reads between the two renames sees a mismatch and keeps the old pair.
      atomicWrite(keyFile, keyPem);
      atomicWrite(certFile, svid.chainPem);
      return { identity, certFile, keyFile, cert: svid.chainPem, key: keyPem, serial: svid.serialNumber.toLowerCase() };
    },
    async forged(options, withIssuer = true) {
      const signer = options.signer ?? generated.issuer;
      const { cert, key } = await forge({ signer, ...options });
      return { cert: cert.toString() + (withIssuer ? signer.cert.toString() : ''), key: key.exportPkcs8Pem() };
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A validation context with the SPIFFE validator (the mesh's trust domain and bundle file) and optional SAN matchers. */
export function spiffeValidation(pki: TestPki, sanExact: readonly string[] = []): Record<string, unknown> {
  return {
    custom_validator_config: {
      name: 'envoy.tls.cert_validator.spiffe',
      typed_config: { '@type': SPIFFE_VALIDATOR, trust_domains: [{ name: TD, trust_bundle: { filename: pki.bundleFile } }] },
    },
    ...(sanExact.length > 0 ? { match_typed_subject_alt_names: sanExact.map((exact) => ({ san_type: 'URI', matcher: { exact } })) } : {}),
  };
}

export function certificateOf(svid: SvidFiles): Record<string, unknown> {
  return { certificate_chain: { filename: svid.certFile }, private_key: { filename: svid.keyFile } };
}

/** transport_socket of an mTLS server chain (STRICT when `requireClientCertificate`). */
export function downstreamTls(pki: TestPki, svid: SvidFiles, options: { requireClientCertificate?: boolean; alpn?: string[] } = {}): Record<string, unknown> {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS,
      require_client_certificate: options.requireClientCertificate ?? true,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_3' },
        tls_certificates: [certificateOf(svid)],
        validation_context: spiffeValidation(pki),
        alpn_protocols: options.alpn ?? ['h2', 'http/1.1'],
      },
    },
  };
}

/** transport_socket of an mTLS client cluster that expects the server to be `serverIds`. */
export function upstreamTls(pki: TestPki, svid: SvidFiles, serverIds: readonly string[]): Record<string, unknown> {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_3' },
        tls_certificates: [certificateOf(svid)],
        validation_context: spiffeValidation(pki, serverIds),
      },
    },
  };
}
