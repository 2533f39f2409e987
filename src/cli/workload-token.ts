// The workload identity a `weft proxy --workload` sidecar asks for, read from its token: the
// token names the trust domain (aud), namespace and service account it proves. Read, not
// verified: the identity service verifies it; the proxy only needs to know what to ask for, and
// says early when the token does not match the Workload it fronts.
import { readFileSync } from 'node:fs';
import { WeftError } from '../core/errors.ts';
import { workloadId, type WorkloadIdentity } from '../pki/index.ts';
import type { Resource } from '../api/index.ts';

export function readTokenFile(file: string): string {
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token === '') throw new WeftError('WEFT_USAGE', `--token-file ${file} is empty: write the output of \`weft token create\` into it`);
    return token;
  } catch (err) {
    if (err instanceof WeftError) throw err;
    throw new WeftError('WEFT_USAGE', `cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The identity a token proves, checked against the Workload's namespace and service account. */
export function tokenIdentity(token: string, workload: Resource, file: string): WorkloadIdentity {
  const parts = token.split('.');
  let claims: { aud?: unknown; ns?: unknown; sa?: unknown } = {};
  try {
    if (parts.length === 3) claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    // reported below
  }
  if (typeof claims.aud !== 'string' || typeof claims.ns !== 'string' || typeof claims.sa !== 'string') {
    throw new WeftError('WEFT_USAGE', `--token-file ${file} does not hold a Weft workload token (a JWT naming a trust domain, namespace and service account): mint one with \`weft token create --namespace NS --service-account SA\``);
  }
  const ns = workload.metadata.namespace ?? 'default';
  const sa = ((workload.spec as { serviceAccount?: string }).serviceAccount) ?? 'default';
  if (claims.ns !== ns || claims.sa !== sa) {
    throw new WeftError('WEFT_USAGE', `--token-file ${file} proves namespace '${claims.ns}', service account '${claims.sa}', but the Workload ${workload.metadata.name} runs as namespace '${ns}', service account '${sa}': mint a token with \`weft token create --namespace ${ns} --service-account ${sa}\``);
  }
  return workloadId(claims.aud, ns, sa);
}
