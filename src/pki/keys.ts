// ECDSA P-256 private keys held so that logging, toString, JSON or util.inspect can never reveal them.
import { createPrivateKey, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { inspect, promisify } from 'node:util';
import { WeftError } from '../core/index.ts';

const generateEcKeyPair = promisify(generateKeyPair);
const REDACTED = '[PrivateKey ECDSA P-256, redacted]';

export class PrivateKey {
  // An ES private field: util.inspect and JSON.stringify do not see it.
  readonly #key: KeyObject;
  #signing: Promise<CryptoKey> | undefined;

  private constructor(key: KeyObject) {
    this.#key = key;
  }

  /** A fresh key, generated in this process (a workload's key never leaves it). */
  static async generate(): Promise<PrivateKey> {
    const { privateKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
    return new PrivateKey(privateKey);
  }

  /**
   * Reads a PEM key (PKCS#8 or SEC1); refuses anything but ECDSA P-256. `source` names the file for
   * the error message — the message never quotes the key.
   */
  static fromPem(pem: string, source: string): PrivateKey {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new WeftError('WEFT_CONFIG_INVALID', 'not a readable PEM private key (expected an unencrypted PKCS#8 "BEGIN PRIVATE KEY" or SEC1 "BEGIN EC PRIVATE KEY")', { path: source });
    }
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
      throw new WeftError('WEFT_CONFIG_INVALID', `the key is ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}; Weft signs with ECDSA P-256 keys only`, { path: source });
    }
    return new PrivateKey(key);
  }

  /** The public half, as SPKI DER (what a certificate or CSR carries). */
  publicKeySpki(): Buffer<ArrayBuffer> {
    return spkiOf(this.publicKey());
  }

  /** An ES256 (JWS) signature of `data`: ECDSA P-256 over SHA-256, r‖s as 64 bytes. */
  signEs256(data: Buffer | string): Buffer {
    return sign('sha256', Buffer.from(data), { key: this.#key, dsaEncoding: 'ieee-p1363' });
  }

  /** The public half, for verifying what this key signed. */
  publicKey(): KeyObject {
    return createPublicKey(this.#key);
  }

  /** A non-extractable WebCrypto signing key for @peculiar/x509, created once. */
  signingKey(): Promise<CryptoKey> {
    // node's webcrypto.CryptoKey and the global CryptoKey type differ only in declared usages.
    this.#signing ??= Promise.resolve(this.#key.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']) as unknown as CryptoKey);
    return this.#signing;
  }

  /**
   * The PKCS#8 PEM, for node:tls `key` or for the CA's own 0600 key file. Callers must not log or
   * send it; it is a method (not a property) so no serializer reaches it by accident.
   */
  exportPkcs8Pem(): string {
    return this.#key.export({ type: 'pkcs8', format: 'pem' }) as string;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** A public key as SPKI DER, in an ArrayBuffer-backed Buffer (what WebCrypto-typed APIs accept). */
export function spkiOf(publicKey: KeyObject): Buffer<ArrayBuffer> {
  return Buffer.from(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).buffer);
}
