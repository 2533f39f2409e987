// `weft check`: named checks of a running mesh, grouped in sections (control plane, identity, mTLS, proxies, policy), each ✔ / ‼ / × with a reason and a hint; exit 1 when one failed. The checks are pure functions (src/cli/check/); this file only fetches what they read.
import { weftVersion } from '../core/version.ts';
import { isWeftError, WeftError } from '../core/errors.ts';
import { resolveKind, type KindInfo, type MeshConfigSpec, type Resource } from '../api/index.ts';
import type { IdentityView } from '../control/identity/index.ts';
import { ApiClient, ServerError, serverUrl } from './client.ts';
import { parseCommand, SERVER_HELP } from './args.ts';
import type { Section } from './check/result.ts';
import { exitCode } from './check/result.ts';
import { checkApiReachable, checkVersion } from './check/control-plane-checks.ts';
import {
  checkIdentityService, checkIdentitySettings, checkIssuer, checkIssuerChain, checkIssuerOutlivesTtl, checkTrustAnchors, checkWorkloadCertificates,
} from './check/identity-checks.ts';
import { checkAuthorizationTargets, checkMtlsMode } from './check/mesh-checks.ts';
import { awaitingAcks, checkProxiesAcked, checkSidecarIdentities, identitiesInUse, type ProxiesStatus } from './check/proxy-checks.ts';
import { renderJson, renderText } from './check/render.ts';

const HELP = `Usage: weft check [options]

Checks the mesh a control plane runs and prints each check as ✔ (ok), ‼ (warning) or ×
(failure) with the reason and what to do; docs/check.md lists every check.

  control plane   the REST API answers; it runs this CLI's version
  identity        the identity service runs; trust anchors and issuer valid (a warning within
                  30 days of expiry); the issuer chains to an anchor and outlives the workload
                  certificate lifetime; no connected proxy's identity without a valid
                  certificate; renewals not overdue; the MeshConfig's identity settings in effect
  mTLS            MeshConfig mtls.mode is STRICT (a warning while PERMISSIVE)
  proxies         every connected proxy ACKed its latest config (no NACK outstanding); every
                  sidecar runs an identity agent (a warning under PERMISSIVE, a failure under STRICT)
  policy          every AuthorizationPolicy targets an existing Service

Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 on a usage error.

Options:
  -o, --output json      one JSON object: {success, warnings, failures, sections: [{name, checks}]}
${SERVER_HELP}`;

/** A push in flight is answered within milliseconds: look again a few times before calling it a warning. */
const ACK_POLLS = 5;
const ACK_POLL_MS = 400;

const kind = (name: string): KindInfo => resolveKind(name)!;

async function list(client: ApiClient, name: string): Promise<Resource[]> {
  return ((await client.get(kind(name), undefined)) as { items: Resource[] }).items;
}

/** The answer, or undefined when the server says 404 (an endpoint it does not have, or a part that is off). */
async function getOr404<T>(client: ApiClient, path: string): Promise<{ readonly value: T } | { readonly notFound: string }> {
  try {
    return { value: (await client.request('GET', path)) as T };
  } catch (err) {
    if (err instanceof ServerError && err.status.code === 404) return { notFound: err.status.message };
    throw err;
  }
}

async function proxiesStatus(client: ApiClient): Promise<ProxiesStatus> {
  let status = (await client.request('GET', '/weft/v1/proxies')) as ProxiesStatus;
  for (let i = 0; i < ACK_POLLS && awaitingAcks(status).length > 0 && status.nacks.length === 0; i++) {
    await new Promise((r) => setTimeout(r, ACK_POLL_MS));
    status = (await client.request('GET', '/weft/v1/proxies')) as ProxiesStatus;
  }
  return status;
}

export async function runChecks(client: ApiClient, now: () => Date = () => new Date()): Promise<Section[]> {
  try {
    await client.request('GET', '/apis');
  } catch (err) {
    if (!isWeftError(err)) throw err;
    return [{ name: 'control plane', checks: [checkApiReachable(client.base, err.message)] }];
  }
  const version = await getOr404<{ weft: string }>(client, '/version');
  const sections: Section[] = [{ name: 'control plane', checks: [checkApiReachable(client.base, undefined), checkVersion(weftVersion(), 'value' in version ? version.value.weft : undefined)] }];

  const [identity, meshConfigs, services, workloads, policies, proxies] = await Promise.all([
    getOr404<IdentityView>(client, '/weft/v1/identity'),
    list(client, 'MeshConfig'), list(client, 'Service'), list(client, 'Workload'), list(client, 'AuthorizationPolicy'),
    proxiesStatus(client),
  ]);
  const mesh = meshConfigs[0]?.spec as MeshConfigSpec | undefined;
  const at = now();
  if ('notFound' in identity) {
    sections.push({ name: 'identity', checks: [checkIdentityService(identity.notFound, undefined)] });
  } else {
    const view = identity.value;
    const inUse = identitiesInUse(proxies, workloads, view.trustDomain ?? mesh?.trustDomain ?? 'cluster.local');
    sections.push({
      name: 'identity',
      checks: [
        checkIdentityService(undefined, view.trustDomain),
        checkTrustAnchors(view.trustAnchors, at),
        checkIssuer(view.issuer, at),
        checkIssuerChain(view),
        ...(view.workloadTtlMs !== undefined ? [checkIssuerOutlivesTtl(view.issuer, view.workloadTtlMs, at)] : []),
        checkWorkloadCertificates(view, inUse, at),
        checkIdentitySettings(view, mesh),
      ],
    });
  }
  sections.push({ name: 'mTLS', checks: [checkMtlsMode(mesh, 'value' in identity)] });
  sections.push({ name: 'proxies', checks: [checkProxiesAcked(proxies), checkSidecarIdentities(proxies, mesh?.mtls?.mode ?? 'PERMISSIVE')] });
  sections.push({ name: 'policy', checks: [checkAuthorizationTargets(policies, services)] });
  return sections;
}

export const command = {
  summary: 'check the mesh: control plane, identity, mTLS, proxies, policy',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, { output: { type: 'string', short: 'o' } }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw new WeftError('WEFT_USAGE', `weft check takes no arguments, got "${positionals[0]}"`);
    if (values.output !== undefined && values.output !== 'json') throw new WeftError('WEFT_USAGE', `-o takes "json", got "${values.output}"`);
    const sections = await runChecks(new ApiClient(serverUrl((values as { server?: string }).server)));
    process.stdout.write(values.output === 'json' ? renderJson(sections) : renderText(sections));
    return exitCode(sections);
  },
};
