// Test-only: forges certificates with any profile (bad ones included) so the checks can be tested against real DER.
import type { X509Certificate } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { PrivateKey, spkiOf } from './keys.ts';
import { randomSerial, subjectName, toNodeCertificate, x509 } from './x509.ts';

export interface Forger {
  readonly cert: X509Certificate;
  readonly key: PrivateKey;
}

export interface ForgeOptions {
  /** Who signs: a CA (its cert is the issuer name), or omitted for a self-signed certificate of `key`. */
  readonly signer?: Forger;
  /** The certified key. Default: a new P-256 key (returned). */
  readonly key?: PrivateKey;
  /** A raw SPKI to certify instead (weak keys that PrivateKey refuses). */
  readonly spki?: Buffer<ArrayBuffer>;
  readonly subject?: string;
  readonly uris?: readonly string[];
  readonly dns?: readonly string[];
  readonly ca?: boolean;
  readonly pathLength?: number;
  /** Key usage bits; null leaves the extension out. Default digitalSignature (leaf) or keyCertSign|cRLSign (CA). */
  readonly keyUsage?: number | null;
  /** EKU OIDs; null leaves the extension out. Default serverAuth+clientAuth for a leaf, none for a CA. */
  readonly eku?: readonly string[] | null;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly hash?: 'SHA-256' | 'SHA-1';
  readonly extra?: readonly x509.Extension[];
}

const HOUR = 3600_000;

export async function forge(options: ForgeOptions): Promise<Forger> {
  const key = options.key ?? (await PrivateKey.generate());
  const spki = options.spki ?? key.publicKeySpki();
  const signer = options.signer ?? { cert: undefined, key };
  const ca = options.ca ?? false;
  const subject = options.subject ?? (ca ? `CN=forged CA ${randomSerial().slice(0, 6)}` : '');
  const names = [...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })), ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value }))];
  const keyUsage = options.keyUsage === undefined ? (ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature) : options.keyUsage;
  const eku = options.eku === undefined ? (ca ? null : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]) : options.eku;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(ca, options.pathLength, true)];
  if (keyUsage !== null) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (eku !== null) extensions.push(new x509.ExtendedKeyUsageExtension([...eku]));
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, subject === ''));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spki));
  if (signer.cert) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(spkiOf(signer.cert.publicKey)));
  extensions.push(...(options.extra ?? []));
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: signer.cert ? subjectName(signer.cert) : subject,
    notBefore: options.notBefore ?? new Date(now - HOUR),
    notAfter: options.notAfter ?? new Date(now + HOUR),
    publicKey: spki,
    signingKey: await signer.key.signingKey(),
    signingAlgorithm: { name: 'ECDSA', hash: options.hash ?? 'SHA-256' },
    extensions,
  });
  return { cert: toNodeCertificate(cert), key };
}

/** SPKI of a key type PrivateKey refuses (RSA-1024, P-192 …), for weak-key cases. */
export function weakSpki(kind: 'rsa-1024' | 'p-192'): Buffer<ArrayBuffer> {
  const { publicKey } = kind === 'rsa-1024' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ec', { namedCurve: 'prime192v1' });
  return spkiOf(publicKey);
}
