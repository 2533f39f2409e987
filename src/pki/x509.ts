// The one place @peculiar/x509 is loaded: reflect-metadata first (its tsyringe needs a Reflect polyfill), node's WebCrypto as provider.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** ECDSA P-256 with SHA-256: the only key and signature algorithm Weft generates. */
export const P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of a text, each with its label ("CERTIFICATE", "PRIVATE KEY", …). */
export function pemBlocks(text: string): ReadonlyArray<{ readonly label: string; readonly pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0] }));
}

/** A random positive 16-byte serial number as hex (RFC 5280 §4.1.2.2: ≤ 20 bytes, positive; CA/B: ≥ 64 random bits). */
export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Top bit clear keeps the INTEGER positive; bit 6 set keeps it 16 bytes long (no leading zero byte).
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

/** Converts a generated certificate to node's X509Certificate, which every check reads. */
export function toNodeCertificate(cert: x509.X509Certificate): X509Certificate {
  return new X509Certificate(Buffer.from(cert.rawData));
}

/** The subject of `cert` as encoded, to use as the issuer of a certificate it signs (a string DN could re-encode differently). */
export function subjectName(cert: X509Certificate): x509.Name {
  return new x509.X509Certificate(cert.raw).subjectName;
}
