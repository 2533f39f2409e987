// `weft apply -f FILE|DIR|- [--dry-run] [-n NS]`: sends each file to the control plane, which
// validates it as a whole (nothing from a file is applied if any document is invalid) and
// answers per resource; printed the way kubectl does.

import { WeftError, isWeftError } from '../core/errors.ts';
import { ApiClient, serverUrl } from './client.ts';
import { parseCommand, SERVER_HELP } from './args.ts';
import { readInputs } from './input.ts';

const HELP = `Usage: weft apply -f FILE|DIR|- [options]

Creates or updates resources from YAML or JSON (several documents per file, separated by ---).
The control plane validates every document; a file with a problem is refused whole, with
each problem's file:line, field path and reason.

Options:
  -f, --filename PATH    a file, a directory (its .yaml/.yml/.json files) or - for stdin; repeatable
  -n, --namespace NS     the namespace for documents that have none (default: "default")
      --dry-run          validate and report what would change, change nothing
${SERVER_HELP}`;

export const command = {
  summary: 'create or update resources from files (kubectl apply)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, {
      filename: { type: 'string', short: 'f', multiple: true },
      namespace: { type: 'string', short: 'n' },
      'dry-run': { type: 'boolean' },
    }, HELP);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (positionals.length > 0) {
      throw new WeftError('WEFT_USAGE', `unexpected argument "${positionals[0]}"; files are given with -f (weft apply -f ${positionals[0]})`);
    }
    const inputs = readInputs(values.filename ?? []);
    const client = new ApiClient(serverUrl(values.server));
    const dryRun = values['dry-run'] === true;
    let failed = 0;
    for (const input of inputs) {
      try {
        const answer = await client.apply(input.text, input.source, { dryRun, namespace: values.namespace });
        for (const item of answer.items) {
          const id = `${item.kind.toLowerCase()}/${item.name}`;
          // kubectl prints the server's warnings on stderr, before the outcome line.
          for (const w of item.warnings ?? []) console.error(`Warning: ${id}: ${w}`);
          console.log(`${id} ${item.outcome}${dryRun ? ' (server dry run)' : ''}`);
        }
      } catch (err) {
        if (!isWeftError(err) || err.code === 'WEFT_IO') throw err; // unreachable server: stop at once
        failed++;
        console.error(`error: ${err.message}`);
      }
    }
    if (failed > 0) {
      console.error(`\n${failed} of ${inputs.length} input${inputs.length === 1 ? '' : 's'} refused; fix the problems above and apply again`);
      return 1;
    }
    return 0;
  },
};
