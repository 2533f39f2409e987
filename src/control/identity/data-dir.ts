// Where identity state lives in the control plane's data directory, and opening all of it at once.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RotatingCa, type CaFiles, type TrustDomain } from '../../pki/index.ts';
import { IssuanceLog } from './issuance-log.ts';
import { FileTokenStore } from './token-store.ts';
import { openTokenKey, WorkloadTokens } from './tokens.ts';

export interface IdentityDataPaths {
  /** The generated CA (root-cert.pem, root-key.pem, issuer-cert.pem, issuer-key.pem). */
  readonly caDir: string;
  /** The token signing key (0600). */
  readonly tokenKey: string;
  /** Revoked and redeemed token IDs (0600). */
  readonly tokenStore: string;
  /** One JSON line per issued certificate (0644, no secrets). */
  readonly issuanceLog: string;
}

export function identityDataPaths(dataDir: string): IdentityDataPaths {
  return {
    caDir: join(dataDir, 'ca'),
    tokenKey: join(dataDir, 'identity', 'token-key.pem'),
    tokenStore: join(dataDir, 'identity', 'tokens.json'),
    issuanceLog: join(dataDir, 'identity', 'issued.jsonl'),
  };
}

/** The token signer and verifier of a data directory (what `weft token` and the control plane share). */
export async function openTokens(dataDir: string, trustDomain: TrustDomain): Promise<WorkloadTokens> {
  const paths = identityDataPaths(dataDir);
  await mkdir(join(dataDir, 'identity'), { recursive: true, mode: 0o700 });
  return new WorkloadTokens(trustDomain, await openTokenKey(paths.tokenKey), new FileTokenStore(paths.tokenStore));
}

export interface OpenedIdentity {
  /** The CA with its rotation state (`weft ca rotate`); `ca.view.ca` is the CA of the moment. */
  readonly ca: RotatingCa;
  readonly tokens: WorkloadTokens;
  readonly issuanceLog: IssuanceLog;
}

/**
 * Everything the identity service needs: the CA (generated in `<data>/ca` or the user's
 * `caFiles`, with any rotation in progress resumed from `<data>/ca/rotation.json`), tokens, the
 * issuance log.
 */
export async function openIdentityDataDir(dataDir: string, trustDomain: TrustDomain, caFiles?: CaFiles): Promise<OpenedIdentity> {
  const paths = identityDataPaths(dataDir);
  const ca = await RotatingCa.open({ dir: paths.caDir, trustDomain, brought: caFiles });
  return { ca, tokens: await openTokens(dataDir, trustDomain), issuanceLog: await IssuanceLog.open(paths.issuanceLog) };
}
