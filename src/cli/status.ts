// `weft status`: the proxies connected to the control plane's xDS server (kubectl-like table)
// and every NACK they have not since resolved.

import { ApiClient, serverUrl } from './client.ts';
import { parseCommand, SERVER_HELP } from './args.ts';
import { renderTable } from './render/table.ts';
import { humanDuration } from './render/age.ts';

const HELP = `Usage: weft status [options]

Lists the proxies and proxyless gRPC clients connected over xDS, and their NACKs.

Options:
  -o, --output json      the raw answer of GET /weft/v1/proxies
${SERVER_HELP}`;

interface TypeStatus { readonly typeUrl: string; readonly ackedVersion: string }
interface Proxy {
  readonly nodeId: string; readonly peer: string; readonly connectedAt: string;
  readonly kind: { readonly kind: string; readonly workload?: string; readonly namespace: string };
  readonly types: readonly TypeStatus[];
}
interface Nack { readonly nodeId: string; readonly typeUrl: string; readonly rejectedVersion: string; readonly keptVersion: string; readonly message: string }

const short = (typeUrl: string) => typeUrl.split('.').pop() ?? typeUrl;

export const command = {
  summary: 'show connected proxies and NACKs',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, { output: { type: 'string', short: 'o' } }, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const client = new ApiClient(serverUrl((values as { server?: string }).server));
    const body = await client.request('GET', '/weft/v1/proxies') as { proxies: Proxy[]; nacks: Nack[] };
    if (values.output === 'json') {
      console.log(JSON.stringify(body, null, 2));
      return 0;
    }
    const now = Date.now();
    const rows = body.proxies.map((p) => [
      p.nodeId, p.kind.kind, p.kind.workload ?? '-', p.kind.namespace, p.peer,
      humanDuration(now - Date.parse(p.connectedAt)),
      p.types.filter((t) => t.ackedVersion !== '').map((t) => short(t.typeUrl)).join(',') || '-',
      String(body.nacks.filter((n) => n.nodeId === p.nodeId).length),
    ]);
    console.log(rows.length ? renderTable(['NODE', 'KIND', 'WORKLOAD', 'NAMESPACE', 'PEER', 'AGE', 'ACKED', 'NACKS'], rows).trimEnd() : 'No proxies connected.');
    for (const n of body.nacks) console.log(`NACK ${n.nodeId} ${short(n.typeUrl)} version ${n.rejectedVersion} (keeps ${n.keptVersion || 'none'}): ${n.message}`);
    return 0;
  },
};
