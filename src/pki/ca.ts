// The mesh CA: a root and an intermediate issuer (ECDSA P-256), generated into a directory at first start or loaded from the user's files and checked.
import type { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isWeftError, WeftError } from '../core/index.ts';
import { pathExists, writeFileAtomic } from './atomic-write.ts';
import { parsePemCertificates, parseTrustBundle, trustBundle, type TrustBundle } from './bundle.ts';
import { certificateProblem, isSelfSigned, verifyChain } from './chain.ts';
import { canSignCertificates, certFacts } from './facts.ts';
import { PrivateKey, spkiOf } from './keys.ts';
import type { TrustDomain } from './spiffe.ts';
import { P256_SHA256, randomSerial, subjectName, toNodeCertificate, x509 } from './x509.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CaLifetimes {
  /** Root certificate lifetime. Default 10 years. */
  readonly rootMs?: number;
  /** Intermediate issuer lifetime. Default 1 year; renewed from the root key when 1/4 of it is left. */
  readonly issuerMs?: number;
}

const DEFAULT_ROOT_MS = 3650 * DAY_MS;
const DEFAULT_ISSUER_MS = 365 * DAY_MS;
// Backdating guards against a proxy whose clock is a little behind the control plane's.
const CA_BACKDATE_MS = 60 * 60 * 1000;

/** The files of a user-supplied CA (`--ca-cert`, `--ca-key`, `--ca-roots`). */
export interface CaFiles {
  /** PEM: the issuer certificate first, then any intermediates above it (root optional). */
  readonly certFile: string;
  /** PEM: the issuer's ECDSA P-256 private key (PKCS#8 or SEC1). */
  readonly keyFile: string;
  /** PEM: the trust anchors (one or more roots). Default: the self-signed certificates at the end of certFile. */
  readonly rootsFile?: string;
}

/** Files of a generated CA directory. Keys are written 0600, the directory 0700. */
export const CA_DIR_FILES = {
  rootCert: 'root-cert.pem',
  rootKey: 'root-key.pem',
  issuerCert: 'issuer-cert.pem',
  issuerKey: 'issuer-key.pem',
} as const;

export class CertificateAuthority {
  readonly trustDomain: TrustDomain;
  /** The certificate that signs workload certificates. */
  readonly issuer: X509Certificate;
  /** Certificates between the issuer and the roots, sent with each leaf. */
  readonly intermediates: readonly X509Certificate[];
  readonly bundle: TrustBundle;
  readonly #key: PrivateKey;

  private constructor(trustDomain: TrustDomain, issuer: X509Certificate, intermediates: readonly X509Certificate[], bundle: TrustBundle, key: PrivateKey) {
    this.trustDomain = trustDomain;
    this.issuer = issuer;
    this.intermediates = intermediates;
    this.bundle = bundle;
    this.#key = key;
  }

  /**
   * Checks that the parts form a working CA at `now` and builds it: the issuer is a CA allowed to
   * sign certificates, unexpired, holds the public half of `key`, and chains to a root of `bundle`.
   * Throws WEFT_CONFIG_INVALID naming `source` (the file) and what to fix.
   */
  static fromParts(issuer: X509Certificate, intermediates: readonly X509Certificate[], key: PrivateKey, bundle: TrustBundle, now: Date = new Date(), source = 'CA'): CertificateAuthority {
    const fail = (message: string): never => {
      throw new WeftError('WEFT_CONFIG_INVALID', message, { path: source });
    };
    // certFacts throws on undecodable extensions; say which file instead.
    const decoded = <T>(what: string, f: () => T): T => {
      try {
        return f();
      } catch (err) {
        if (isWeftError(err) && err.code === 'WEFT_CERT_INVALID') return fail(`${what} has extensions that cannot be decoded`);
        throw err;
      }
    };
    const facts = decoded('the CA certificate', () => certFacts(issuer));
    if (!canSignCertificates(facts)) fail('the CA certificate is not a CA (basicConstraints cA=true and keyUsage keyCertSign are required)');
    if (!issuer.subject) fail('the CA certificate has an empty subject (RFC 5280 requires a CA to have a name)');
    const problem = certificateProblem(issuer, facts, now, 'the CA certificate');
    if (problem) fail(`${problem.message}; supply a valid issuer certificate`);
    if (!key.publicKeySpki().equals(issuer.publicKey.export({ type: 'spki', format: 'der' }))) {
      fail('the CA key does not belong to the CA certificate (their public keys differ)');
    }
    if (!bundle.roots.some((r) => r.raw.equals(issuer.raw))) {
      const chain = decoded('an intermediate certificate', () => verifyChain(issuer, intermediates, bundle.roots, now));
      if (!chain.ok) fail(`the CA certificate does not chain to the trust anchors: ${chain.message} [${chain.reason}]`);
    }
    return new CertificateAuthority(bundle.trustDomain, issuer, intermediates, bundle, key);
  }

  /**
   * The same issuer with another trust bundle (a root rotation distributes old + new roots while
   * one issuer signs). The bundle must still hold the root this issuer chains to.
   */
  withBundle(bundle: TrustBundle, now: Date = new Date()): CertificateAuthority {
    return CertificateAuthority.fromParts(this.issuer, this.intermediates, this.#key, bundle, now);
  }

  /** The issuer's key as PKCS#8 PEM, to copy a CA into a rotation's directory (never logged). */
  exportKeyPem(): string {
    return this.#key.exportPkcs8Pem();
  }

  /** The issuer's non-extractable signing key. */
  signingKey(): Promise<CryptoKey> {
    return this.#key.signingKey();
  }

  /** The issuer and intermediates as PEM: what follows a leaf in the chain a proxy serves. */
  issuerChainPem(): string {
    return [this.issuer, ...this.intermediates].map((c) => c.toString()).join('');
  }

  /** A summary for logs and `weft identity`: trust anchors and issuer, never key material. */
  summary(): { trustDomain: string; issuer: string; issuerNotAfter: string; roots: { subject: string; fingerprint256: string; notAfter: string }[] } {
    return {
      trustDomain: this.trustDomain,
      issuer: this.issuer.subject,
      issuerNotAfter: this.issuer.validToDate.toISOString(),
      roots: this.bundle.roots.map((r) => ({ subject: r.subject, fingerprint256: r.fingerprint256, notAfter: r.validToDate.toISOString() })),
    };
  }

  toJSON(): ReturnType<CertificateAuthority['summary']> {
    return this.summary();
  }

  toString(): string {
    return `CertificateAuthority(${this.trustDomain}, issuer "${this.issuer.subject}")`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function caExtensions(pathLength: number): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

function suffix(): string {
  return randomSerial().slice(0, 8);
}

/** A new self-signed root for `trustDomain` (P-256, pathLen 1: one intermediate below it). */
export async function createRoot(trustDomain: TrustDomain, now: Date = new Date(), lifetimeMs = DEFAULT_ROOT_MS): Promise<KeyPairCert> {
  const key = await PrivateKey.generate();
  const publicKey = key.publicKeySpki();
  const name = `O=Weft, CN=Weft root CA ${trustDomain} ${suffix()}`;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - CA_BACKDATE_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
    publicKey,
    signingKey: await key.signingKey(),
    signingAlgorithm: P256_SHA256,
    extensions: [...caExtensions(1), await x509.SubjectKeyIdentifierExtension.create(publicKey)],
  });
  return { cert: toNodeCertificate(cert), key };
}

/** A new intermediate issuer signed by `root` (P-256, pathLen 0: it signs leaves only). */
export async function createIssuer(root: KeyPairCert, trustDomain: TrustDomain, now: Date = new Date(), lifetimeMs = DEFAULT_ISSUER_MS): Promise<KeyPairCert> {
  const key = await PrivateKey.generate();
  const publicKey = key.publicKeySpki();
  const rootKeyId = certFacts(root.cert).subjectKeyId;
  // The issuer never outlives its root: a chain is only as valid as its shortest link.
  const notAfter = Math.min(now.getTime() + lifetimeMs, root.cert.validToDate.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `O=Weft, CN=Weft issuer CA ${trustDomain} ${suffix()}`,
    issuer: subjectName(root.cert),
    notBefore: new Date(Math.max(now.getTime() - CA_BACKDATE_MS, root.cert.validFromDate.getTime())),
    notAfter: new Date(notAfter),
    publicKey,
    signingKey: await root.key.signingKey(),
    signingAlgorithm: P256_SHA256,
    extensions: [
      ...caExtensions(0),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      rootKeyId ? new x509.AuthorityKeyIdentifierExtension(rootKeyId) : await x509.AuthorityKeyIdentifierExtension.create(spkiOf(root.cert.publicKey)),
    ],
  });
  return { cert: toNodeCertificate(cert), key };
}

/** A fresh root + issuer in memory (tests, and the first start of a CA directory). */
export async function generateCa(trustDomain: TrustDomain, now: Date = new Date(), lifetimes: CaLifetimes = {}): Promise<GeneratedCa> {
  const root = await createRoot(trustDomain, now, lifetimes.rootMs);
  const issuer = await createIssuer(root, trustDomain, now, lifetimes.issuerMs);
  const ca = CertificateAuthority.fromParts(issuer.cert, [], issuer.key, trustBundle(trustDomain, [root.cert], now), now);
  return { ca, root, issuer };
}

interface KeyPairCert {
  readonly cert: X509Certificate;
  readonly key: PrivateKey;
}

export interface GeneratedCa {
  readonly ca: CertificateAuthority;
  readonly root: KeyPairCert;
  readonly issuer: KeyPairCert;
}

async function writeIssuer(dir: string, issuer: KeyPairCert): Promise<void> {
  await writeFileAtomic(join(dir, CA_DIR_FILES.issuerKey), issuer.key.exportPkcs8Pem(), 0o600);
  await writeFileAtomic(join(dir, CA_DIR_FILES.issuerCert), issuer.cert.toString(), 0o644);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new WeftError('WEFT_IO', `cannot read the ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { path, cause: err });
  }
}

/** Loads and checks a user-supplied CA (bring your own CA). */
export async function loadCaFiles(trustDomain: TrustDomain, files: CaFiles, now: Date = new Date()): Promise<CertificateAuthority> {
  const certs = parsePemCertificates(await readText(files.certFile, 'CA certificate'), files.certFile);
  const key = PrivateKey.fromPem(await readText(files.keyFile, 'CA key'), files.keyFile);
  let bundle: TrustBundle;
  if (files.rootsFile) {
    bundle = parseTrustBundle(trustDomain, await readText(files.rootsFile, 'CA roots'), now, files.rootsFile);
  } else {
    const roots = certs.filter(isSelfSigned);
    if (roots.length === 0) {
      throw new WeftError('WEFT_CONFIG_INVALID', 'the CA certificate file holds no root (self-signed) certificate; give the trust anchors in a roots file (--ca-roots)', { path: files.certFile });
    }
    bundle = trustBundle(trustDomain, roots, now, files.certFile);
  }
  const [issuer, ...rest] = certs;
  const intermediates = rest.filter((c) => !bundle.roots.some((r) => r.raw.equals(c.raw)));
  return CertificateAuthority.fromParts(issuer, intermediates, key, bundle, now, files.certFile);
}


/**
 * The CA kept in `dir`: generated there at first start (keys 0600, directory 0700, each file
 * written atomically), loaded and checked afterwards. An issuer with less than a quarter of its
 * life left is renewed from the root key. `issuer-cert.pem` is written last, so its absence means
 * a first start was interrupted and generation starts over.
 */
export async function openCaDirectory(dir: string, trustDomain: TrustDomain, now: Date = new Date(), lifetimes: CaLifetimes = {}): Promise<CertificateAuthority> {
  const path = (name: string) => join(dir, name);
  const files: CaFiles = { certFile: path(CA_DIR_FILES.issuerCert), keyFile: path(CA_DIR_FILES.issuerKey), rootsFile: path(CA_DIR_FILES.rootCert) };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await pathExists(files.certFile))) {
    const { ca, root, issuer } = await generateCa(trustDomain, now, lifetimes);
    await writeFileAtomic(path(CA_DIR_FILES.rootKey), root.key.exportPkcs8Pem(), 0o600);
    await writeFileAtomic(path(CA_DIR_FILES.rootCert), root.cert.toString(), 0o644);
    await writeIssuer(dir, issuer);
    return ca;
  }
  const ca = await loadCaFiles(trustDomain, files, now);
  const life = ca.issuer.validToDate.getTime() - ca.issuer.validFromDate.getTime();
  if (ca.issuer.validToDate.getTime() - now.getTime() > life / 4 || !(await pathExists(path(CA_DIR_FILES.rootKey)))) return ca;
  const rootCert = ca.bundle.roots.find((r) => r.subject === ca.issuer.issuer && ca.issuer.verify(r.publicKey));
  if (!rootCert) return ca;
  const rootKey = PrivateKey.fromPem(await readText(path(CA_DIR_FILES.rootKey), 'root key'), path(CA_DIR_FILES.rootKey));
  const issuer = await createIssuer({ cert: rootCert, key: rootKey }, trustDomain, now, lifetimes.issuerMs);
  const renewed = CertificateAuthority.fromParts(issuer.cert, [], issuer.key, ca.bundle, now, files.certFile);
  await writeIssuer(dir, issuer);
  return renewed;
}
