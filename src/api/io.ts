// Multi-document YAML / JSON in and out. Input keeps a map from each document's field paths back
// to `file:line:col`, so a problem found by validation points into the user's file.

import { LineCounter, parseAllDocuments, isNode, stringify, type Document } from 'yaml';
import type { FieldPath } from './issues.ts';
import { isPlainObject } from './decode.ts';
import type { Resource } from './meta.ts';

/** Larger inputs are refused before parsing (RELIABILITY.md D5). */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;
/** More documents than this in one input are refused. */
export const MAX_DOCUMENTS = 5000;

export interface SourceDocument {
  readonly value: unknown;
  /** `file:line:col` of the deepest existing node on `path` (the document itself for []). */
  locate(path: FieldPath): string;
}

export type ParseResult =
  | { readonly ok: true; readonly documents: readonly SourceDocument[] }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Splits `text` into documents (`---`), expands a `kind: List` into its items, and skips empty
 * documents. YAML errors come back as `file:line:col: message` lines.
 */
export function parseDocuments(text: string, source: string): ParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_INPUT_BYTES) return { ok: false, errors: [`${source}: ${bytes} bytes is more than the ${MAX_INPUT_BYTES} bytes one input may have; split it into several files`] };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.2', uniqueKeys: true, lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  const list: readonly Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const errors: string[] = [];
  for (const doc of list) for (const e of doc.errors) errors.push(`${at(e.pos[0])}: YAML: ${e.message.split('\n')[0]}`);
  if (errors.length > 0) return { ok: false, errors };
  if (list.length > MAX_DOCUMENTS) return { ok: false, errors: [`${source}: ${list.length} documents is more than ${MAX_DOCUMENTS}; split the input`] };
  const documents: SourceDocument[] = [];
  for (const doc of list) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 }); // bounds alias expansion ("billion laughs")
    } catch (e) {
      errors.push(`${at(doc.range[0])}: YAML: ${(e as Error).message}`);
      continue;
    }
    if (value === null || value === undefined) continue;
    const locate = (prefix: FieldPath) => (path: FieldPath): string => {
      const full = [...prefix, ...path];
      for (let n = full.length; n > 0; n--) {
        const node = doc.getIn(full.slice(0, n), true);
        if (isNode(node) && node.range) return at(node.range[0]);
      }
      return at(isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : doc.range[0]);
    };
    if (isPlainObject(value) && value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item, i) => documents.push({ value: item, locate: locate(['items', i]) }));
    } else {
      documents.push({ value, locate: locate([]) });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, documents };
}

/** Resources as multi-document YAML (kubectl get -o yaml prints one document, or a List). */
export function toYaml(resources: readonly Resource[] | Resource): string {
  return stringify(resources, { lineWidth: 0 });
}

/** A list as Kubernetes prints it: `{apiVersion: v1, kind: List, items: [...]}`. */
export function asList(items: readonly Resource[]): { apiVersion: 'v1'; kind: 'List'; items: readonly Resource[] } {
  return { apiVersion: 'v1', kind: 'List', items };
}
