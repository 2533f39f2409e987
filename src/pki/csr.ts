// The proxy side of issuance: a fresh ECDSA P-256 key that stays in the process, and a CSR carrying the identity as one URI SAN.
import { PrivateKey } from './keys.ts';
import type { WorkloadIdentity } from './spiffe.ts';
import { P256_SHA256, x509 } from './x509.ts';

export interface WorkloadCsr {
  /** The workload's private key: used for its TLS contexts, never sent anywhere. */
  readonly key: PrivateKey;
  /** PKCS#10 request in PEM, for the identity service. */
  readonly csrPem: string;
}

/** A CSR for `identity`, signed by `key` (a new one by default). The subject is empty: the SPIFFE ID is the identity. */
export async function createCsr(identity: WorkloadIdentity, key?: PrivateKey): Promise<WorkloadCsr> {
  const own = key ?? (await PrivateKey.generate());
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { privateKey: await own.signingKey(), publicKey: await publicCryptoKey(own) },
    signingAlgorithm: P256_SHA256,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: identity.id }], true)],
  });
  return { key: own, csrPem: csr.toString('pem') };
}

function publicCryptoKey(key: PrivateKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', key.publicKeySpki(), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
}
