// `weft identity`: the trust anchors, the issuer and the live workload certificates — from a running control plane (GET /weft/v1/identity) or from its data directory's files; certificates and the issuance log only, never a key.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../core/errors.ts';
import { identityDataPaths, identityView, readIssuanceLog, type CertificateView, type IdentityView } from '../control/identity/index.ts';
import { CA_DIR_FILES, parsePemCertificates } from '../pki/index.ts';
import { parseCommand } from './args.ts';
import { ApiClient, serverUrl } from './client.ts';
import { DATA_DIR_HELP, DEFAULT_DATA_DIR } from './data-dir.ts';
import { humanDuration } from './render/age.ts';
import { renderTable } from './render/table.ts';

const HELP = `Usage: weft identity [options]

Shows the mesh CA: the trust anchors (roots), the issuer that signs workload certificates (and
whether it chains to an anchor), and every workload certificate still valid in the issuance log
(serial, SPIFFE ID, expiry). With --server (or WEFT_SERVER set) it asks the running control plane
(GET /weft/v1/identity), which also knows the trust domain and the workload certificate lifetime;
otherwise it reads the data directory's files and the control plane need not run.

      --server URL          the control plane's REST API (default: $WEFT_SERVER; unset: read files)
${DATA_DIR_HELP}
      --ca-cert FILE        a brought CA's issuer certificate, then its intermediates (default: <data-dir>/ca/${CA_DIR_FILES.issuerCert})
      --ca-roots FILE       a brought CA's trust anchors (default: <data-dir>/ca/${CA_DIR_FILES.rootCert})
  -o, --output json         print the view as one JSON object (the same shape both ways)
  -h, --help                this text`;

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new WeftError('WEFT_IO', `no ${what} here: has the control plane started with this --data-dir (it creates the CA at first start)?`, { path });
    throw new WeftError('WEFT_IO', `cannot read the ${what}: ${code}`, { path, cause: err });
  }
}

/** The view from the data directory's files (no trust domain or lifetime: the files do not record them). */
async function fromFiles(dataDir: string, issuerFile: string | undefined, rootsFile: string | undefined): Promise<IdentityView> {
  const paths = identityDataPaths(dataDir);
  const roots = rootsFile ?? join(paths.caDir, CA_DIR_FILES.rootCert);
  const issuer = issuerFile ?? join(paths.caDir, CA_DIR_FILES.issuerCert);
  const anchors = parsePemCertificates(await readPem(roots, 'trust anchors'), roots);
  const [first, ...rest] = parsePemCertificates(await readPem(issuer, 'issuer certificate'), issuer);
  return identityView({
    roots: anchors, issuer: first, intermediates: rest.filter((c) => !anchors.some((a) => a.raw.equals(c.raw))),
    records: await readIssuanceLog(paths.issuanceLog), now: new Date(),
  });
}

function indent(text: string): string {
  return text.trimEnd().replace(/^/gm, '  ');
}

const certRows = (cs: readonly CertificateView[]) => renderTable(['SUBJECT', 'SERIAL', 'NOT BEFORE', 'NOT AFTER', 'SHA-256 FINGERPRINT'], cs.map((c) => [c.subject, c.serial, c.notBefore, c.notAfter, c.fingerprint256]));

export function renderIdentity(view: IdentityView): string {
  const out: string[] = [];
  if (view.trustDomain !== undefined) out.push(`Trust domain: ${view.trustDomain}`);
  if (view.workloadTtlMs !== undefined) out.push(`Workload certificate lifetime: ${humanDuration(view.workloadTtlMs)}`);
  if (out.length > 0) out.push('');
  out.push(`Trust anchors (${view.trustAnchors.length}):`, indent(certRows(view.trustAnchors)), '');
  const { issuer } = view;
  out.push('Issuer:', `  ${issuer.subject}`, `  serial ${issuer.serial}, issued by ${issuer.issuedBy}, valid ${issuer.notBefore} to ${issuer.notAfter}`, `  fingerprint ${issuer.fingerprint256}`);
  out.push(issuer.chainsToTrustAnchor ? '  chains to a trust anchor' : `  does NOT chain to a trust anchor: ${issuer.chainProblem ?? 'unknown reason'}`);
  if (view.intermediates.length > 0) out.push('', `Intermediates (${view.intermediates.length}):`, indent(certRows(view.intermediates)));
  out.push('', `Workload certificates (${view.workloadCertificates.length} valid):`);
  out.push(view.workloadCertificates.length > 0
    ? indent(renderTable(['SERIAL', 'SPIFFE ID', 'NOT AFTER', 'ISSUED AT', 'VIA'], view.workloadCertificates.map((r) => [r.serial, r.spiffeId, r.notAfter, r.issuedAt, r.via])))
    : '  none in the issuance log');
  return `${out.join('\n')}\n`;
}

export const command = {
  summary: 'show the trust anchors, issuer and workload certificates',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, { 'data-dir': { type: 'string' }, 'ca-cert': { type: 'string' }, 'ca-roots': { type: 'string' }, output: { type: 'string', short: 'o' } }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw new WeftError('WEFT_USAGE', `weft identity takes no arguments, got "${positionals[0]}"`);
    if (values.output !== undefined && values.output !== 'json') throw new WeftError('WEFT_USAGE', `-o takes "json", got "${values.output}"`);
    const fileFlag = (['data-dir', 'ca-cert', 'ca-roots'] as const).find((f) => values[f] !== undefined);
    const server = (values as { server?: string }).server;
    if (server !== undefined && fileFlag !== undefined) throw new WeftError('WEFT_USAGE', `--server asks the control plane, --${fileFlag} reads files: use one`);
    const fromServer = server !== undefined || (fileFlag === undefined && process.env.WEFT_SERVER !== undefined);
    const view = fromServer
      ? ((await new ApiClient(serverUrl(server)).request('GET', '/weft/v1/identity')) as IdentityView)
      : await fromFiles(values['data-dir'] ?? DEFAULT_DATA_DIR, values['ca-cert'], values['ca-roots']);
    process.stdout.write(values.output === 'json' ? `${JSON.stringify(view, null, 2)}\n` : renderIdentity(view));
    return 0;
  },
};
