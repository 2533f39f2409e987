// `weft check` output: sections of ✔ / ‼ / × lines with the reason, details and hint indented below (as `linkerd check` prints), a summary line; or one JSON object.
import type { CheckResult, CheckStatus, Section } from './result.ts';

const MARK: Readonly<Record<CheckStatus, string>> = { ok: '✔', warning: '‼', failure: '×' };

function renderCheck(c: CheckResult): string[] {
  const lines = [`${MARK[c.status]} ${c.description}: ${c.message}`];
  for (const d of c.details ?? []) lines.push(`    ${d}`);
  if (c.hint !== undefined) lines.push(`    hint: ${c.hint}`);
  return lines;
}

function counts(sections: readonly Section[]): { readonly warnings: number; readonly failures: number } {
  const all = sections.flatMap((s) => s.checks);
  return { warnings: all.filter((c) => c.status === 'warning').length, failures: all.filter((c) => c.status === 'failure').length };
}

export function renderText(sections: readonly Section[]): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push(s.name, '-'.repeat(s.name.length), ...s.checks.flatMap(renderCheck), '');
  }
  const { warnings, failures } = counts(sections);
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (failures > 0) out.push(`Status check results are ${MARK.failure} (${plural(failures, 'failure')}, ${plural(warnings, 'warning')})`);
  else if (warnings > 0) out.push(`Status check results are ${MARK.warning} (${plural(warnings, 'warning')})`);
  else out.push(`Status check results are ${MARK.ok}`);
  return `${out.join('\n')}\n`;
}

/** `-o json`: `{success, warnings, failures, sections: [{name, checks: [CheckResult]}]}`. */
export function renderJson(sections: readonly Section[]): string {
  const { warnings, failures } = counts(sections);
  return `${JSON.stringify({ success: failures === 0, warnings, failures, sections }, null, 2)}\n`;
}
