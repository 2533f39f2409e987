// Text in (one file or request body, any number of documents) → validated resources, or every
// problem found: where in the file, which resource, which field, and why.

import { fieldPath } from './issues.ts';
import { parseDocuments } from './io.ts';
import { describeKey, keyOf, type Resource } from './meta.ts';
import { validateResource } from './validate.ts';
import { isPlainObject } from './decode.ts';
import { kindInfo } from './registry.ts';
import type { RegexChecker } from './regex.ts';

export interface Problem {
  /** `file:line:col`. */
  readonly where: string;
  /** `HTTPRoute default/web`, when known. */
  readonly resource?: string;
  /** `spec.rules[0].matches[1].path.value`; '' for the document as a whole. */
  readonly field: string;
  readonly message: string;
}

/** How many problems one answer lists in full. */
export const MAX_PROBLEMS = 20;

export type LoadResult =
  | { readonly ok: true; readonly resources: readonly Resource[] }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly total: number };

export interface LoadOptions {
  /** kubectl's -n: the namespace for documents without one; a document naming another is an error. */
  readonly namespace?: string;
  /** See ValidateOptions.regex. */
  readonly regex?: RegexChecker;
}

export function loadResources(text: string, source: string, options: LoadOptions = {}): LoadResult {
  const parsed = parseDocuments(text, source);
  if (!parsed.ok) {
    const problems = parsed.errors.map((e) => {
      const m = /^(.*?:\d+:\d+): (.*)$/.exec(e);
      return m ? { where: m[1], field: '', message: m[2] } : { where: source, field: '', message: e.startsWith(`${source}: `) ? e.slice(source.length + 2) : e };
    });
    return { ok: false, problems: problems.slice(0, MAX_PROBLEMS), total: problems.length };
  }
  if (parsed.documents.length === 0) {
    return { ok: false, problems: [{ where: source, field: '', message: 'no resources found (the input is empty)' }], total: 1 };
  }
  const problems: Problem[] = [];
  let total = 0;
  const push = (p: Problem) => {
    total++;
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const resources: Resource[] = [];
  const seen = new Map<string, string>();
  for (const doc of parsed.documents) {
    const given = isPlainObject(doc.value) && isPlainObject(doc.value.metadata) ? doc.value.metadata.namespace : undefined;
    const namespaced = isPlainObject(doc.value) && typeof doc.value.kind === 'string' ? kindInfo(doc.value.kind)?.namespaced !== false : true;
    if (options.namespace !== undefined && namespaced && typeof given === 'string' && given !== options.namespace) {
      push({ where: doc.locate(['metadata', 'namespace']), field: 'metadata.namespace', message: `the namespace from the provided object "${given}" does not match the namespace "${options.namespace}" given with -n; pass -n ${given} or remove the namespace from the file` });
      continue;
    }
    const v = validateResource(doc.value, { defaultNamespace: options.namespace, regex: options.regex });
    if (!v.ok) {
      const resource = v.kind && v.name ? describeKey({ kind: v.kind, namespace: v.namespace ?? '', name: v.name }) : v.kind;
      // In file order, as a reader goes through the document.
      const found = v.issues.map((issue) => ({ where: doc.locate(issue.path), resource, field: fieldPath(issue.path), message: issue.message }));
      for (const p of found.sort((a, b) => position(a.where) - position(b.where))) push(p);
      total += v.dropped;
      continue;
    }
    const id = describeKey(keyOf(v.resource));
    const first = seen.get(id);
    if (first !== undefined) {
      push({ where: doc.locate([]), resource: id, field: '', message: `${id} appears twice in the input (first at ${first})` });
      continue;
    }
    seen.set(id, doc.locate([]));
    resources.push(v.resource);
  }
  if (total > 0) return { ok: false, problems, total };
  return { ok: true, resources };
}

/** One line per problem: `file:12:7: HTTPRoute default/web: spec.rules[0]…: reason`. */
export function formatProblems(problems: readonly Problem[], total: number): string {
  const lines = problems.map((p) => [p.where, p.resource, p.field, p.message].filter((x) => x).join(': '));
  if (total > problems.length) lines.push(`… and ${total - problems.length} more problem${total - problems.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** `file:12:7` → a number that orders by line, then column. */
function position(where: string): number {
  const m = /:(\d+):(\d+)$/.exec(where);
  return m ? Number(m[1]) * 100_000 + Number(m[2]) : 0;
}
