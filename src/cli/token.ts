// `weft token create | revoke`: mint and revoke workload tokens directly in the control plane's data directory (the control plane need not run).
import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { openTokens } from '../control/identity/index.ts';
import { parseTrustDomain } from '../pki/index.ts';
import { DATA_DIR_HELP, DEFAULT_DATA_DIR } from './data-dir.ts';

const HELP = `Usage: weft token create --namespace NS --service-account SA [options]
       weft token revoke ID [--data-dir DIR]

Workload tokens prove a proxy's identity (spiffe://<trust-domain>/ns/NS/sa/SA) when it asks the
control plane for its first certificate. They are signed with the data directory's token key,
so these commands work with or without the control plane running; a revocation is seen by a
running control plane at its next request.

create prints the token alone on stdout (weft token create ... > cart.token) and its ID on stderr.
  -n, --namespace NS        the workload's namespace (required)
  -s, --service-account SA  the workload's service account (required)
      --ttl DURATION        how long the token can be redeemed: 90s, 30m, 1h, 7d (default 24h; 1m to 365d)
      --reusable            may be redeemed until it expires (default: single-use)
      --trust-domain TD     the mesh's trust domain (default: cluster.local)
  -o, --output json         print {"token","id","spiffeId","expiresAt","reusable"} instead
${DATA_DIR_HELP}

revoke ID: the token can no longer be redeemed, and certificates issued from it (and their
renewals) can no longer renew, so the workload loses its identity within one certificate lifetime.
${DATA_DIR_HELP}`;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

function durationMs(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!m) throw new WeftError('WEFT_USAGE', `--ttl takes a duration like 90s, 30m, 1h or 7d, got "${text}"`);
  return Number(m[1]) * UNITS[m[2]];
}

async function create(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      'service-account': { type: 'string', short: 's' },
      ttl: { type: 'string' },
      reusable: { type: 'boolean' },
      'trust-domain': { type: 'string' },
      output: { type: 'string', short: 'o' },
      'data-dir': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new WeftError('WEFT_USAGE', `weft token create takes no arguments, got "${positionals[0]}"\n\n${HELP}`);
  if (values.namespace === undefined || values['service-account'] === undefined) throw new WeftError('WEFT_USAGE', `--namespace and --service-account are required\n\n${HELP}`);
  if (values.output !== undefined && values.output !== 'json') throw new WeftError('WEFT_USAGE', `-o takes "json", got "${values.output}"`);
  const trustDomain = parseTrustDomain(values['trust-domain'] ?? 'cluster.local');
  const tokens = await openTokens(values['data-dir'] ?? DEFAULT_DATA_DIR, trustDomain);
  const minted = tokens.mint({
    namespace: values.namespace,
    serviceAccount: values['service-account'],
    ttlMs: values.ttl === undefined ? undefined : durationMs(values.ttl),
    reusable: values.reusable === true,
  });
  const reusable = values.reusable === true;
  if (values.output === 'json') {
    console.log(JSON.stringify({ token: minted.token, id: minted.jti, spiffeId: minted.identity.id, expiresAt: minted.expiresAt.toISOString(), reusable }));
  } else {
    console.log(minted.token);
    console.error(`token ${minted.jti} for ${minted.identity.id}, ${reusable ? 'reusable' : 'single-use'}, expires ${minted.expiresAt.toISOString()} (revoke: weft token revoke ${minted.jti})`);
  }
  return 0;
}

async function revoke(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' }, 'trust-domain': { type: 'string' } } });
  if (positionals.length !== 1) throw new WeftError('WEFT_USAGE', `weft token revoke takes one token ID (printed by weft token create)\n\n${HELP}`);
  const tokens = await openTokens(values['data-dir'] ?? DEFAULT_DATA_DIR, parseTrustDomain(values['trust-domain'] ?? 'cluster.local'));
  await tokens.revoke(positionals[0]);
  console.log(`token ${positionals[0]} revoked: it cannot be redeemed, and certificates issued from it cannot renew`);
  return 0;
}

export const command = {
  summary: 'create or revoke workload tokens',
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
      console.log(HELP);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'create') return create(rest);
    if (sub === 'revoke') return revoke(rest);
    throw new WeftError('WEFT_USAGE', `unknown subcommand "token ${sub}"; use create or revoke\n\n${HELP}`);
  },
};
