// Workload tokens for universal mode (`weft token create`): ES256 JWTs naming a service account, expiring, revocable, single-use unless minted reusable.
import { randomBytes, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WeftError } from '../../core/index.ts';
import { PrivateKey, type TrustDomain, type WorkloadIdentity, workloadId, writeFileAtomic } from '../../pki/index.ts';
import type { TokenStore } from './token-store.ts';

export type TokenRefusalReason = 'malformed' | 'bad-algorithm' | 'bad-signature' | 'wrong-audience' | 'expired' | 'not-yet-valid' | 'revoked' | 'replayed';

const ISSUER = 'weft';
const MINUTE_MS = 60_000;
export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * MINUTE_MS;
export const MAX_TOKEN_TTL_MS = 365 * 24 * 60 * MINUTE_MS;
// A token issued "in the future" by more than this is refused (the minting clock is this process's).
const CLOCK_SKEW_S = 60;

export interface TokenClaims {
  readonly iss: string;
  /** The trust domain the token is valid in. */
  readonly aud: string;
  /** The SPIFFE ID the token proves. */
  readonly sub: string;
  readonly ns: string;
  readonly sa: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** Whether the token may be redeemed more than once (minted with --reusable). */
  readonly reusable: boolean;
}

export interface MintOptions {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Default 24 h, at most 1 year. */
  readonly ttlMs?: number;
  /** Single-use (default) tokens are refused once redeemed: a replayed token gets nothing. */
  readonly reusable?: boolean;
  readonly now?: Date;
}

export interface MintedToken {
  readonly token: string;
  readonly jti: string;
  readonly identity: WorkloadIdentity;
  readonly expiresAt: Date;
}

function refused(reason: TokenRefusalReason, message: string): WeftError {
  return new WeftError('WEFT_TOKEN_INVALID', `workload token refused [${reason}]: ${message}`);
}

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the refusal
  }
  throw refused('malformed', `the ${what} is not a base64url JSON object`);
}

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : undefined);
  const int = (k: string) => (Number.isSafeInteger(payload[k]) ? (payload[k] as number) : undefined);
  const [iss, aud, sub, ns, sa, jti, iat, exp] = [str('iss'), str('aud'), str('sub'), str('ns'), str('sa'), str('jti'), int('iat'), int('exp')];
  if (iss === undefined || aud === undefined || sub === undefined || ns === undefined || sa === undefined || jti === undefined || iat === undefined || exp === undefined || typeof payload.reusable !== 'boolean') {
    throw refused('malformed', 'the token lacks one of the claims iss, aud, sub, ns, sa, jti, iat, exp, reusable');
  }
  return { iss, aud, sub, ns, sa, jti, iat, exp, reusable: payload.reusable };
}

/** What a credential check yields: the proven identity, and how to consume the credential. */
export interface Authentication {
  readonly identity: WorkloadIdentity;
  /**
   * The credential a certificate descends from (a token's `jti`), recorded in the issuance log:
   * a renewal inherits its predecessor's, so revoking the token stops the renewals too.
   */
  readonly lineage: string;
  readonly commit: () => Promise<void>;
  /** A renewal: the serial of the certificate that authenticated it, which the new one replaces. */
  readonly replaces?: string;
}

/** Checks the credential sent with a CSR: universal-mode tokens now, Kubernetes ServiceAccount tokens later. */
export interface WorkloadAuthenticator {
  authenticate(credential: string): Promise<Authentication>;
}

/** Mints and checks workload tokens with the control plane's signing key. */
export class WorkloadTokens implements WorkloadAuthenticator {
  readonly trustDomain: TrustDomain;
  readonly #key: PrivateKey;
  readonly #publicKey: KeyObject;
  readonly #store: TokenStore;

  constructor(trustDomain: TrustDomain, key: PrivateKey, store: TokenStore) {
    this.trustDomain = trustDomain;
    this.#key = key;
    this.#publicKey = key.publicKey();
    this.#store = store;
  }

  mint(options: MintOptions): MintedToken {
    const identity = workloadId(this.trustDomain, options.namespace, options.serviceAccount);
    const ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs < MINUTE_MS || ttlMs > MAX_TOKEN_TTL_MS) {
      throw new WeftError('WEFT_CONFIG_INVALID', `a token lifetime is between 1 minute and 1 year, got ${ttlMs} ms`, { path: 'ttl' });
    }
    const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const exp = iat + Math.floor(ttlMs / 1000);
    const jti = randomBytes(16).toString('base64url');
    const claims: TokenClaims = { iss: ISSUER, aud: this.trustDomain, sub: identity.id, ns: identity.namespace, sa: identity.serviceAccount, iat, exp, jti, reusable: options.reusable ?? false };
    const signingInput = `${b64(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    return { token: `${signingInput}.${b64(this.#key.signEs256(signingInput))}`, jti, identity, expiresAt: new Date(exp * 1000) };
  }

  /** Checks signature, audience, lifetime and revocation; does not consume the token. */
  async verify(token: string, now: Date = new Date()): Promise<TokenClaims> {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw refused('malformed', 'a token is three base64url parts separated by "."');
    const header = decodeJson(parts[0], 'header');
    // Only ES256: "none", HMAC or RSA headers are how forged JWTs get in.
    if (header.alg !== 'ES256' || header.typ !== 'JWT' || Object.keys(header).length !== 2) throw refused('bad-algorithm', 'the token header must be exactly {"alg":"ES256","typ":"JWT"}');
    const signature = Buffer.from(parts[2], 'base64url');
    const valid = signature.length === 64 && verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.#publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!valid) throw refused('bad-signature', 'the signature does not verify with this control plane\'s token key (forged, altered, or minted by another control plane)');
    const claims = claimsOf(decodeJson(parts[1], 'payload'));
    if (claims.iss !== ISSUER || claims.aud !== this.trustDomain) throw refused('wrong-audience', `the token is for "${claims.aud}", this control plane serves "${this.trustDomain}"`);
    const identity = workloadId(this.trustDomain, claims.ns, claims.sa);
    if (identity.id !== claims.sub) throw refused('malformed', 'the token subject does not match its namespace and service account');
    const nowS = now.getTime() / 1000;
    if (claims.exp <= nowS) throw refused('expired', `the token expired at ${new Date(claims.exp * 1000).toISOString()}; mint a new one with weft token create`);
    if (claims.iat > nowS + CLOCK_SKEW_S) throw refused('not-yet-valid', `the token is issued at ${new Date(claims.iat * 1000).toISOString()}, in the future`);
    if (await this.#store.isRevoked(claims.jti)) throw refused('revoked', `the token ${claims.jti} was revoked`);
    return claims;
  }

  /**
   * Verifies a token and returns the identity it proves, with `commit` to call once the work it
   * authorises is done: commit consumes a single-use token and throws `replayed` when another
   * request consumed it first — so the caller can refuse a bad CSR without burning the token, and
   * still hand out at most one certificate per single-use token.
   */
  async authenticate(token: string, now: Date = new Date()): Promise<Authentication> {
    const claims = await this.verify(token, now);
    const identity = workloadId(this.trustDomain, claims.ns, claims.sa);
    const commit = async () => {
      if (!claims.reusable && !(await this.#store.markRedeemed(claims.jti, new Date(claims.exp * 1000)))) {
        throw refused('replayed', `the single-use token ${claims.jti} was already redeemed`);
      }
    };
    return { identity, lineage: claims.jti, commit };
  }

  /** Whether the token `jti` was revoked (renewals check the token their certificate descends from). */
  isRevoked(jti: string): Promise<boolean> {
    return this.#store.isRevoked(jti);
  }

  /** `authenticate` and `commit` at once (RELIABILITY.md B4: a replayed token is refused). */
  async redeem(token: string, now: Date = new Date()): Promise<WorkloadIdentity> {
    const { identity, commit } = await this.authenticate(token, now);
    await commit();
    return identity;
  }

  /**
   * Revokes a token by its ID (`jti`, printed by `weft token create`). The entry is kept until
   * `expiresAt` — by default the longest a token can live, since an ID alone does not tell its expiry.
   */
  async revoke(jti: string, expiresAt: Date = new Date(Date.now() + MAX_TOKEN_TTL_MS)): Promise<void> {
    if (!BASE64URL.test(jti)) throw new WeftError('WEFT_USAGE', `${JSON.stringify(jti)} is not a token ID`);
    await this.#store.revoke(jti, expiresAt);
  }
}

/** The control plane's token signing key at `path`: generated (mode 0600) when absent, loaded otherwise. */
export async function openTokenKey(path: string): Promise<PrivateKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new WeftError('WEFT_IO', `cannot read the token signing key: ${(err as NodeJS.ErrnoException).code}`, { path, cause: err });
    }
    const key = await PrivateKey.generate();
    await writeFileAtomic(path, key.exportPkcs8Pem(), 0o600);
    return key;
  }
  return PrivateKey.fromPem(pem, path);
}
