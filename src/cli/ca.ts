// `weft ca status` and `weft ca rotate prepare|activate|finish`: the mesh CA's root rotation, run by the control plane itself through its REST API.
import { resolve } from 'node:path';
import { WeftError } from '../core/errors.ts';
import { parseCommand, SERVER_HELP } from './args.ts';
import { ApiClient, serverUrl } from './client.ts';
import { renderTable } from './render/table.ts';

const HELP = `Usage: weft ca status [-o json]
       weft ca rotate prepare [--ca-cert FILE --ca-key FILE [--ca-roots FILE]]
       weft ca rotate activate
       weft ca rotate finish [--force]

Rotates the mesh CA's root (and issuer) through an overlapping trust bundle, in three steps the
running control plane performs and records in <data-dir>/ca (a restart resumes where it was):

  prepare   a new root and issuer (generated, or brought with --ca-cert/--ca-key/--ca-roots,
            read by the control plane on its host) join the trust bundle: proxies trust old and
            new roots within seconds; the old issuer still signs
  activate  the new issuer signs; proxies holding old-issuer certificates renew within ~30 s
  finish    the old root leaves the bundle; old-root certificates are refused from now on.
            Refused while \`weft ca status\` shows old-issuer certificates in use, unless --force

Options:
      --ca-cert FILE     prepare: the new issuer certificate (then intermediates), PEM
      --ca-key FILE      prepare: its ECDSA P-256 private key, PEM
      --ca-roots FILE    prepare: the new trust anchors (default: self-signed certificates at the end of --ca-cert)
      --force            finish: even with old-issuer certificates in use (they lose mTLS until they bootstrap again)
  -o, --output json      print the control plane's answer as JSON
${SERVER_HELP}`;

interface CertView { readonly subject: string; readonly fingerprint256: string; readonly notAfter: string }
interface Status {
  readonly trustDomain: string;
  readonly phase: string;
  readonly roots: readonly (CertView & { readonly state: string })[];
  readonly signingIssuer: CertView;
  readonly oldIssuer?: CertView;
  readonly newIssuer?: CertView;
  readonly preparedAt?: string;
  readonly activatedAt?: string;
  readonly certificates: { readonly inUse: number; readonly fromSigningIssuer: number; readonly fromOtherIssuers: number; readonly others: readonly { serial: string; spiffeId: string; notAfter: string }[] };
  readonly next: string;
}

function render(s: Status): string {
  const since = s.activatedAt ?? s.preparedAt;
  const out = [`Trust domain: ${s.trustDomain}`, `Phase: ${s.phase}${since ? ` (since ${since})` : ''}`, '', `Trust bundle (${s.roots.length} root${s.roots.length === 1 ? '' : 's'}):`];
  out.push(renderTable(['STATE', 'SUBJECT', 'SHA-256 FINGERPRINT', 'NOT AFTER'], s.roots.map((r) => [r.state, r.subject, r.fingerprint256, r.notAfter])).trimEnd().replace(/^/gm, '  '));
  out.push('', `Signing issuer: ${s.signingIssuer.subject}`, `  ${s.signingIssuer.fingerprint256}, not after ${s.signingIssuer.notAfter}`);
  const c = s.certificates;
  out.push('', `Workload certificates in use: ${c.inUse} (${c.fromSigningIssuer} from the signing issuer, ${c.fromOtherIssuers} from another)`);
  if (c.others.length > 0) out.push(renderTable(['SERIAL', 'SPIFFE ID', 'NOT AFTER'], c.others.map((o) => [o.serial, o.spiffeId, o.notAfter])).trimEnd().replace(/^/gm, '  '));
  out.push('', `Next: ${s.next}`);
  return out.join('\n');
}

export const command = {
  summary: 'show the mesh CA and rotate its root (weft ca --help)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, {
      'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' }, 'ca-roots': { type: 'string' }, force: { type: 'boolean' }, output: { type: 'string', short: 'o' },
    }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (values.output !== undefined && values.output !== 'json') throw new WeftError('WEFT_USAGE', `-o takes "json", got "${values.output}"`);
    const client = new ApiClient(serverUrl(values.server));
    const [verb, step, ...rest] = positionals;
    let answer: unknown;
    if (verb === 'status' && step === undefined) {
      const flag = (['ca-cert', 'ca-key', 'ca-roots', 'force'] as const).find((f) => values[f] !== undefined);
      if (flag) throw new WeftError('WEFT_USAGE', `--${flag} goes with \`weft ca rotate\`, not status`);
      answer = await client.request('GET', '/weft/v1/ca');
    } else if (verb === 'rotate' && (step === 'prepare' || step === 'activate' || step === 'finish') && rest.length === 0) {
      // Absolute paths: the control plane reads the files itself (the key never crosses the API), from its own working directory.
      const path = (v: string | undefined) => (v === undefined ? undefined : resolve(v));
      const body = { caCert: path(values['ca-cert']), caKey: path(values['ca-key']), caRoots: path(values['ca-roots']), force: values.force };
      answer = await client.request('POST', `/weft/v1/ca/rotate/${step}`, JSON.stringify(body), { 'content-type': 'application/json' });
    } else {
      throw new WeftError('WEFT_USAGE', `expected \`weft ca status\` or \`weft ca rotate prepare|activate|finish\`, got \`weft ca ${positionals.join(' ')}\``);
    }
    console.log(values.output === 'json' ? JSON.stringify(answer, null, 2) : render(answer as Status));
    return 0;
  },
};
