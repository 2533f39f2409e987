// Bootstrap text → plain JSON value, plus a way to point a field path back at a line of the file.
// YAML 1.2 via `yaml` (JSON is a subset of it), one document only.

import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import { Issues, toConfigError, type FieldPath } from '../../xds/envoy/index.ts';

export interface ParsedText {
  readonly value: unknown;
  /** `file:line:col` of the deepest existing node on `path`, when known. */
  locate(path: FieldPath): string | undefined;
}

/** Parses `text`; YAML errors become one WEFT_CONFIG_INVALID error listing each with its position. */
export function parseConfigText(text: string, source: string): ParsedText {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: '1.2',
    merge: true, // `<<: *anchor`, common in hand-written Envoy configs
    uniqueKeys: true,
    lineCounter,
    prettyErrors: false,
  });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  const issues = new Issues();
  if (!Array.isArray(docs) || docs.length === 0) {
    issues.invalid([], 'the file is empty; expected an Envoy bootstrap (node, admin, static_resources)');
    throw toConfigError(issues.list, source);
  }
  if (docs.length > 1) {
    const second = docs[1].range[0];
    issues.invalid([], `found ${docs.length} YAML documents (the second starts at ${at(second)}); put the whole bootstrap in one document`);
    throw toConfigError(issues.list, source);
  }
  const doc: Document.Parsed = docs[0];
  for (const e of doc.errors) issues.invalid([], `YAML: ${e.message.split('\n')[0]} at ${at(e.pos[0])}`);
  if (issues.size > 0) throw toConfigError(issues.list, source);
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    issues.invalid([], `YAML: ${(e as Error).message}`);
    throw toConfigError(issues.list, source);
  }
  if (value === null || value === undefined) {
    issues.invalid([], 'the file is empty; expected an Envoy bootstrap (node, admin, static_resources)');
    throw toConfigError(issues.list, source);
  }
  return {
    value,
    locate(path: FieldPath): string | undefined {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return at(node.range[0]);
      }
      return undefined;
    },
  };
}
