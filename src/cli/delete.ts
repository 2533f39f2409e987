// `weft delete KIND NAME [-n NS]` or `weft delete -f FILE|DIR|-`: kubectl's delete.

import { WeftError, isWeftError } from '../core/errors.ts';
import { parseDocuments, kindInfo, KINDS, type KindInfo } from '../api/index.ts';
import { ApiClient, serverUrl } from './client.ts';
import { parseCommand, kindOrUsage, SERVER_HELP } from './args.ts';
import { readInputs } from './input.ts';

const HELP = `Usage: weft delete KIND NAME [NAME...] [options]
       weft delete -f FILE|DIR|- [options]

Deletes resources from the control plane, by name or as listed in files.

Kinds: ${KINDS.map((k) => [k.singular, ...k.shortNames].join('|')).join(', ')}

Options:
  -f, --filename PATH    delete what these files describe; repeatable
  -n, --namespace NS     the namespace (default: "default")
      --ignore-not-found a resource that does not exist is not an error
      --dry-run          report what would be deleted, delete nothing
${SERVER_HELP}`;

interface Target {
  readonly info: KindInfo;
  readonly namespace: string | undefined;
  readonly name: string;
}

function targetsFromFiles(paths: readonly string[], namespace: string | undefined): Target[] {
  const out: Target[] = [];
  for (const input of readInputs(paths)) {
    const parsed = parseDocuments(input.text, input.source);
    if (!parsed.ok) throw new WeftError('WEFT_CONFIG_INVALID', parsed.errors.join('\n'));
    for (const doc of parsed.documents) {
      const v = doc.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      const info = typeof v?.kind === 'string' ? kindInfo(v.kind) : undefined;
      const name = v?.metadata?.name;
      if (!info || typeof name !== 'string') throw new WeftError('WEFT_CONFIG_INVALID', `${doc.locate([])}: not a Weft resource with a kind and metadata.name`);
      const ns = typeof v.metadata?.namespace === 'string' ? v.metadata.namespace : namespace ?? 'default';
      out.push({ info, namespace: info.namespaced ? ns : undefined, name });
    }
  }
  return out;
}

export const command = {
  summary: 'delete resources (kubectl delete)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, {
      filename: { type: 'string', short: 'f', multiple: true },
      namespace: { type: 'string', short: 'n' },
      'ignore-not-found': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    let targets: Target[];
    if (values.filename) {
      if (positionals.length > 0) throw new WeftError('WEFT_USAGE', 'give either -f FILE or KIND NAME, not both');
      targets = targetsFromFiles(values.filename, values.namespace);
    } else {
      const [kindText, ...names] = positionals;
      const info = kindOrUsage(kindText, HELP);
      if (names.length === 0) throw new WeftError('WEFT_USAGE', `say which ${info.singular} to delete: weft delete ${info.singular} NAME`);
      targets = names.map((name) => ({ info, namespace: info.namespaced ? values.namespace ?? 'default' : undefined, name }));
    }
    const client = new ApiClient(serverUrl(values.server));
    const dryRun = values['dry-run'] === true;
    let failed = 0;
    for (const t of targets) {
      try {
        await client.delete(t.info, t.namespace, t.name, dryRun);
        console.log(`${t.info.singular} "${t.name}" deleted${dryRun ? ' (server dry run)' : ''}`);
      } catch (err) {
        if (isWeftError(err) && err.code === 'WEFT_NOT_FOUND') {
          if (values['ignore-not-found']) continue;
          failed++;
          console.error(`error: ${t.info.plural} "${t.name}" not found${t.namespace ? ` in namespace "${t.namespace}"` : ''}`);
          continue;
        }
        throw err;
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
