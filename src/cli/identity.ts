// `weft identity`: the trust anchors, the issuer and the live workload certificates of a control plane's data directory — certificates and the issuance log only, never a key.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { identityDataPaths, readIssuanceLog } from '../control/identity/index.ts';
import { CA_DIR_FILES, parsePemCertificates } from '../pki/index.ts';
import { DATA_DIR_HELP, DEFAULT_DATA_DIR } from './data-dir.ts';

const HELP = `Usage: weft identity [options]

Shows the mesh CA of a control plane's data directory: the trust anchors (roots), the issuer that
signs workload certificates, and every workload certificate still valid in the issuance log
(serial, SPIFFE ID, expiry). Reads files only; the control plane need not run.

${DATA_DIR_HELP}
      --ca-cert FILE        a brought CA's issuer certificate (default: <data-dir>/ca/${CA_DIR_FILES.issuerCert})
      --ca-roots FILE       a brought CA's trust anchors (default: <data-dir>/ca/${CA_DIR_FILES.rootCert})
  -o, --output json         print one JSON object instead
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

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd()).join('\n');
}

export const command = {
  summary: 'show the trust anchors, issuer and workload certificates',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { 'data-dir': { type: 'string' }, 'ca-cert': { type: 'string' }, 'ca-roots': { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.output !== undefined && values.output !== 'json') throw new WeftError('WEFT_USAGE', `-o takes "json", got "${values.output}"`);
    const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
    const paths = identityDataPaths(dataDir);
    const rootsFile = values['ca-roots'] ?? join(paths.caDir, CA_DIR_FILES.rootCert);
    const issuerFile = values['ca-cert'] ?? join(paths.caDir, CA_DIR_FILES.issuerCert);
    const roots = parsePemCertificates(await readPem(rootsFile, 'trust anchors'), rootsFile);
    const [issuer] = parsePemCertificates(await readPem(issuerFile, 'issuer certificate'), issuerFile);
    const now = Date.now();
    const certificates = (await readIssuanceLog(paths.issuanceLog)).filter((r) => Date.parse(r.notAfter) > now);
    const dn = (name: string | undefined) => (name ?? '').replaceAll('\n', ', ');
    const view = {
      trustAnchors: roots.map((r) => ({ subject: dn(r.subject), fingerprint256: r.fingerprint256, notAfter: r.validToDate.toISOString() })),
      issuer: { subject: dn(issuer.subject), issuedBy: dn(issuer.issuer), fingerprint256: issuer.fingerprint256, notAfter: issuer.validToDate.toISOString() },
      workloadCertificates: certificates.map((r) => ({ serial: r.serial, spiffeId: r.spiffeId, notAfter: r.notAfter, via: r.via })),
    };
    if (values.output === 'json') {
      console.log(JSON.stringify(view, null, 2));
      return 0;
    }
    const out: string[] = [`Trust anchors (${roots.length}):`];
    out.push(table([['SUBJECT', 'SHA-256 FINGERPRINT', 'NOT AFTER'], ...view.trustAnchors.map((r) => [r.subject, r.fingerprint256, r.notAfter])]).replace(/^/gm, '  '));
    out.push('', 'Issuer:', `  ${view.issuer.subject}`, `  issued by ${view.issuer.issuedBy}, fingerprint ${view.issuer.fingerprint256}, not after ${view.issuer.notAfter}`);
    out.push('', `Workload certificates (${certificates.length} valid):`);
    if (certificates.length > 0) {
      out.push(table([['SERIAL', 'SPIFFE ID', 'NOT AFTER', 'VIA'], ...view.workloadCertificates.map((r) => [r.serial, r.spiffeId, r.notAfter, r.via])]).replace(/^/gm, '  '));
    } else {
      out.push('  none in the issuance log');
    }
    console.log(out.join('\n'));
    return 0;
  },
};
