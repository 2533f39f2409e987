// `weft get KIND [NAME] [-n NS | -A] [-o yaml|json|wide]`: kubectl's get against the control plane.

import { WeftError } from '../core/errors.ts';
import { toYaml, asList, KINDS, type Resource, type KindInfo } from '../api/index.ts';
import { ApiClient, serverUrl } from './client.ts';
import { parseCommand, kindOrUsage, SERVER_HELP } from './args.ts';
import { renderResources, tableOf, type TableOptions } from './render/columns.ts';
import { columnWidths, renderLine, renderTable } from './render/table.ts';

const HELP = `Usage: weft get KIND [NAME] [options]

Shows resources from the control plane, as kubectl get does.

Kinds: ${KINDS.map((k) => [k.singular, ...k.shortNames].join('|')).join(', ')} (plural and Kind spellings work too)

Options:
  -n, --namespace NS     the namespace (default: "default"; ignored for meshconfig)
  -A, --all-namespaces   every namespace, with a NAMESPACE column
  -l, --selector SEL     only resources whose labels match (app=web, tier!=db, env in (a,b), canary, !canary)
  -w, --watch            after listing, print each change as it happens (Ctrl-C stops)
  -o, --output FORMAT    yaml, json or wide (default: a table)
${SERVER_HELP}`;

const FORMATS = ['yaml', 'json', 'wide'] as const;

export const command = {
  summary: 'show resources (kubectl get)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      selector: { type: 'string', short: 'l' },
      watch: { type: 'boolean', short: 'w' },
      output: { type: 'string', short: 'o' },
    }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const [kindText, name, ...extra] = positionals;
    const info = kindOrUsage(kindText, HELP);
    if (extra.length > 0) throw new WeftError('WEFT_USAGE', `one NAME at a time; got ${[name, ...extra].join(' ')}`);
    const output = values.output;
    if (output !== undefined && !(FORMATS as readonly string[]).includes(output)) {
      throw new WeftError('WEFT_USAGE', `-o takes ${FORMATS.join(', ')}; got "${output}"`);
    }
    const all = values['all-namespaces'] === true;
    if (all && values.namespace !== undefined) throw new WeftError('WEFT_USAGE', 'use -n NAMESPACE or -A, not both');
    if (all && name !== undefined) throw new WeftError('WEFT_USAGE', 'a NAME cannot be combined with -A; pass -n NAMESPACE');
    if (values.selector !== undefined && name !== undefined) throw new WeftError('WEFT_USAGE', 'a NAME cannot be combined with -l; a selector picks the resources');
    const namespace = info.namespaced ? (all ? undefined : values.namespace ?? 'default') : undefined;
    const client = new ApiClient(serverUrl(values.server));
    const format: Format = output === 'yaml' || output === 'json' ? output : 'table';
    const table = { wide: output === 'wide', allNamespaces: all, now: new Date() };
    if (values.watch) return watch(client, info, namespace, name, values.selector, format, table);
    let items: readonly Resource[];
    let single: Resource | undefined;
    if (name !== undefined) {
      single = (await client.get(info, namespace, name)) as Resource;
      items = [single];
    } else {
      items = ((await client.get(info, namespace, undefined, values.selector)) as { items: Resource[] }).items;
    }
    if (format !== 'table') {
      printObject(single ?? asList(items), format);
      return 0;
    }
    if (items.length === 0) {
      console.error(noneFound(namespace));
      return 0;
    }
    process.stdout.write(renderResources(info, items, table));
    return 0;
  },
};

type Format = 'table' | 'yaml' | 'json';

function noneFound(namespace: string | undefined): string {
  return namespace === undefined ? 'No resources found' : `No resources found in ${namespace} namespace.`;
}

function printObject(doc: unknown, format: 'yaml' | 'json'): void {
  process.stdout.write(format === 'yaml' ? toYaml(doc as Resource) : `${JSON.stringify(doc, null, 2)}\n`);
}

/** kubectl get -w: the table, then one row per change, padded like the first table. */
async function watch(client: ApiClient, info: KindInfo, namespace: string | undefined, name: string | undefined, selector: string | undefined, format: Format, table: TableOptions): Promise<number> {
  const list = (await client.get(info, namespace, undefined, selector)) as { metadata: { resourceVersion: string }; items: Resource[] };
  const items = name === undefined ? list.items : list.items.filter((r) => r.metadata.name === name);
  const { header, rows } = tableOf(info, items, table);
  const widths = columnWidths(header, rows);
  if (format !== 'table') {
    for (const r of items) printObject(r, format);
  } else if (items.length === 0) {
    console.error(noneFound(namespace));
  } else {
    process.stdout.write(renderTable(header, rows));
  }
  await client.watch(info, namespace, list.metadata.resourceVersion, selector, (e) => {
    if (name !== undefined && e.object.metadata.name !== name) return;
    if (format !== 'table') {
      if (format === 'yaml') process.stdout.write('---\n');
      printObject(e.object, format);
      return;
    }
    const [row] = tableOf(info, [e.object], { ...table, now: new Date() }).rows;
    process.stdout.write(`${renderLine(row, widths)}\n`);
  });
  console.error('weft: the control plane ended the watch (it stopped or restarted); run the command again');
  return 1;
}
