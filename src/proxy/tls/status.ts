// The certificates a TLS context uses now, in the shape of Envoy's admin /certs (admin.v3.Certificates).
import type { X509Certificate } from 'node:crypto';

export interface TlsContextStatus {
  /** Where the context is configured (listener chain or cluster). */
  readonly name: string;
  /** Served (or presented, upstream) chain, leaf first; empty for an upstream context without a certificate. */
  readonly chain: readonly X509Certificate[];
  readonly chainFiles: readonly string[];
  /** Trust anchors peers are checked against. */
  readonly roots: readonly X509Certificate[];
  readonly rootFiles: readonly string[];
}

const DAY_MS = 86_400_000;

function sans(cert: X509Certificate): { uri?: string; dns?: string; ip_address?: string }[] {
  const out: { uri?: string; dns?: string; ip_address?: string }[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const kind = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (kind === 'URI') out.push({ uri: value });
    else if (kind === 'DNS') out.push({ dns: value });
    else if (kind === 'IP Address') out.push({ ip_address: value });
  }
  return out;
}

/** admin.v3.CertificateDetails; uint64 fields are strings in proto-JSON, as Envoy prints them. */
export function certificateDetails(cert: X509Certificate, path: string, now = Date.now()): object {
  return {
    path,
    serial_number: cert.serialNumber.toLowerCase(),
    subject_alt_names: sans(cert),
    days_until_expiration: String(Math.max(0, Math.floor((cert.validToDate.getTime() - now) / DAY_MS))),
    valid_from: cert.validFromDate.toISOString(),
    expiration_time: cert.validToDate.toISOString(),
  };
}

/** admin.v3.Certificates: one entry per TLS context, its trust anchors and its chain. */
export function certificatesJson(contexts: readonly TlsContextStatus[]): object {
  return {
    certificates: contexts.map((c) => ({
      context: c.name,
      ca_cert: c.roots.map((r) => certificateDetails(r, c.rootFiles[0] ?? '<inline>')),
      cert_chain: c.chain.map((x) => certificateDetails(x, c.chainFiles[0] ?? '<inline>')),
    })),
  };
}
