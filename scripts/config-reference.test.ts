// docs/config-reference.md must match the schemas it is generated from; the rendering rules are pinned
// on a small schema of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Any, Duration, Enum, Message, Refused, Str, Type, UInt32 } from '../src/xds/envoy/schema.ts';
import { DOC_PATH, END, REGENERATE, START, renderReference, slug, spliceGenerated } from './config-reference.ts';

const doc = readFileSync(DOC_PATH, 'utf8');

test('docs/config-reference.md is up to date with the schemas in src/xds/envoy', () => {
  const expected = spliceGenerated(doc, renderReference());
  if (expected === doc) return;
  const have = doc.split('\n');
  const want = expected.split('\n');
  const line = want.findIndex((l, i) => l !== have[i]);
  assert.fail(
    `docs/config-reference.md is out of date with the schemas in src/xds/envoy; run \`${REGENERATE}\` and commit it.\n` +
      `First difference at line ${line + 1}:\n  in the file: ${have[line] ?? '(end of file)'}\n  generated:   ${want[line] ?? '(end of file)'}`,
  );
});

test('every link in the reference points at a heading, and headings are unique', () => {
  const headings = [...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]));
  const duplicates = headings.filter((h, i) => headings.indexOf(h) !== i);
  assert.deepEqual(duplicates, [], 'two headings with the same anchor');
  const broken = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]).filter((a) => !headings.includes(a));
  assert.deepEqual([...new Set(broken)], []);
});

test('the hand-written header and defaults stay outside the generated part', () => {
  const start = doc.indexOf(START);
  assert.ok(start > 0 && doc.indexOf(END) > start);
  const handWritten = doc.slice(0, start);
  assert.match(handWritten, /^## Weft defaults and differences from Envoy$/m);
  assert.match(handWritten, new RegExp(REGENERATE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.doesNotMatch(doc.slice(start), /Weft defaults and differences from Envoy/);
});

test('spliceGenerated replaces only the text between the markers, and needs exactly one pair', () => {
  const before = `# Title\n\nhand-written\n\n${START}\nold\n${END}\nfooter\n`;
  const after = spliceGenerated(before, '## New\n');
  assert.equal(after, `# Title\n\nhand-written\n\n${START}\n\n## New\n\n${END}\nfooter\n`);
  assert.equal(spliceGenerated(after, '## New\n'), after);
  assert.throws(() => spliceGenerated('no markers', 'x'), /exactly one/);
  assert.throws(() => spliceGenerated(`${START}\n${END}\n${START}\n${END}`, 'x'), /exactly one/);
  assert.throws(() => spliceGenerated(`${END}\n${START}`, 'x'), /exactly one/);
});

// A miniature of the Envoy schemas, with one of each thing the generator renders.
const Leaf = Message({ '@type': Type.Literal('type.googleapis.com/test.v3.Leaf'), size: Type.Optional(UInt32({ minimum: 1, maximum: 10 })) });
const Other = Message({ '@type': Type.Literal('type.googleapis.com/test.v3.Other') });
const Root = Message(
  {
    name: Str({ minLength: 1 }),
    mode: Type.Optional(Enum(['FAST', 'SLOW', 'WARP'], { unsupported: ['WARP'], default: 'FAST' })),
    timeout: Type.Optional(Duration({ default: '5s', positive: true })),
    a: Type.Optional(Str()),
    b: Type.Optional(Str()),
    nested: Type.Optional(Message({ tags: Type.Optional(Type.Array(Str({ minLength: 1 }), { maxItems: 3 })) })),
    config: Any([Leaf, Other]),
    later: Type.Optional(Refused(Message({ x: Type.Optional(Str()) }), 'it arrives later')),
  },
  { unsupported: { old: 'use a', legacy: '', ancient: '' }, oneofs: [{ fields: ['a', 'b', 'old'], required: true }] },
);
function section(md: string, name: string): string {
  const start = md.indexOf(`### ${name}\n`);
  assert.ok(start >= 0, `no section for ${name}`);
  const end = md.indexOf('\n### ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

const row = (md: string, field: string): string => md.split('\n').find((l) => l.startsWith(`| \`${field}\` |`)) ?? '';

test('rendering: types, defaults, constraints, oneofs, Any, enums and refused fields', () => {
  // Not Envoy exports: an Any member is named after its '@type', any other message after its field.
  const md = renderReference(Root, [{ title: 'Test', messages: ['Root'] }]);
  const root = section(md, 'Root');
  assert.equal(row(root, 'name'), '| `name` | string |  | required; non-empty |');
  assert.equal(row(root, 'mode'), '| `mode` | enum: `FAST`, `SLOW`; not supported yet: `WARP` | `FAST` |  |');
  assert.equal(row(root, 'timeout'), '| `timeout` | Duration | `"5s"` | must be greater than 0s |');
  assert.equal(row(root, 'a'), '| `a` | string |  | exactly one of `a`, `b` |');
  assert.equal(row(root, 'nested'), '| `nested` | [Root.Nested](#rootnested) |  |  |');
  assert.match(row(root, 'config'), /^\| `config` \| Any: \[Leaf\]\(#leaf\) or \[Other\]\(#other\) \|  \| required; /);
  assert.match(row(root, 'config'), /`@type`: `type\.googleapis\.com\/test\.v3\.Leaf` or `type\.googleapis\.com\/test\.v3\.Other`/);
  assert.equal(row(root, 'later'), '', 'a refused field is not documented as usable');
  assert.match(root, /Refused \(Envoy fields Weft does not support yet\):\n\n- `later` — it arrives later\n- `old` — use a\n- also `legacy`, `ancient`\n/);
  assert.equal(row(section(md, 'Root.Nested'), 'tags'), '| `tags` | list of string |  | at most 3 items; each non-empty |');
});

test('rendering: the reading order places listed messages, then unlisted ones after their first user', () => {
  const md = renderReference(Root, [{ title: 'Test', messages: ['Root'] }]);
  assert.ok(md.indexOf('### Root\n') < md.indexOf('### Root.Nested\n'));
  assert.match(md, /^- Test: \[Root\]\(#root\), \[Root\.Nested\]\(#rootnested\)/m);
  assert.match(section(md, 'Root.Nested'), /Used in: \[`Root\.nested`\]\(#root\)\./);
  assert.throws(() => renderReference(Root, [{ title: 'Test', messages: ['Root', 'Gone'] }]), /Gone in CHAPTERS is not reachable from Root/);
  assert.equal(row(section(md, 'Leaf'), '@type'), '| `@type` | `"type.googleapis.com/test.v3.Leaf"` |  | required; names this message in a `google.protobuf.Any` |');
  assert.equal(row(section(md, 'Leaf'), 'size'), '| `size` | uint32 |  | 1–10 |');
  assert.match(section(md, 'Other'), /Used in: \[`Root\.config`\]\(#root\)\./);
});
