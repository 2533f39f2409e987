// Every kind's openAPIV3Schema must be a Kubernetes *structural* schema, or a CRD built from it
// is refused by the API server. This linter encodes the rules (apiextensions "Specifying a
// structural schema") that TypeBox can silently break: const, anyOf without type,
// patternProperties, $ref, additionalProperties:false, properties beside additionalProperties,
// and any keyword the CRD schema does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, openAPIV3Schema, customResourceDefinition } from './index.ts';

const ALLOWED = new Set([
  'type', 'description', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'default',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'format', 'nullable', 'title', 'example', 'multipleOf',
  'minProperties', 'maxProperties', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function lint(node: Record<string, unknown>, path: string, out: string[]): void {
  for (const key of Object.keys(node)) if (!ALLOWED.has(key)) out.push(`${path}: keyword "${key}" is not allowed in a CRD schema`);
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const open = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (intOrString && 'type' in node) out.push(`${path}: x-kubernetes-int-or-string must not set type`);
  if (!intOrString && !open && !TYPES.has(node.type as string)) out.push(`${path}: every node needs a type (got ${JSON.stringify(node.type)})`);
  if (node.additionalProperties === false) out.push(`${path}: additionalProperties: false is not allowed`);
  if (node.additionalProperties !== undefined && node.properties !== undefined) out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if (Array.isArray(node.items)) out.push(`${path}: items must be one schema, not a tuple`);
  if (node.type === 'array' && node.items === undefined) out.push(`${path}: an array needs items`);
  if (Array.isArray(node.enum) && node.type && node.enum.some((v) => (node.type === 'integer' ? !Number.isInteger(v) : typeof v !== node.type))) out.push(`${path}: enum values must be of type ${node.type}`);
  if (Array.isArray(node.required)) {
    const props = (node.properties ?? {}) as Record<string, unknown>;
    for (const r of node.required as string[]) if (!(r in props)) out.push(`${path}: required "${r}" is not a property`);
  }
  for (const [k, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) lint(child, `${path}.${k}`, out);
  if (typeof node.items === 'object' && node.items !== null && !Array.isArray(node.items)) lint(node.items as Record<string, unknown>, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) lint(node.additionalProperties as Record<string, unknown>, `${path}{}`, out);
}

for (const info of KINDS) {
  test(`${info.kind}: the openAPIV3Schema is structural (CRD-compatible)`, () => {
    const problems: string[] = [];
    lint(openAPIV3Schema(info) as Record<string, unknown>, info.kind, problems);
    assert.deepEqual(problems, []);
  });
}

test('the linter catches what TypeBox emits for Union, Literal and Record', async () => {
  const { Type } = await import('typebox');
  const bad = Type.Object({
    u: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    r: Type.Record(Type.String(), Type.String()),
    closed: Type.Object({}, { additionalProperties: false }),
  });
  const problems: string[] = [];
  lint(JSON.parse(JSON.stringify(bad)) as Record<string, unknown>, 'x', problems);
  const text = problems.join('\n');
  assert.match(text, /x\.u: keyword "anyOf"/);
  assert.match(text, /x\.u: every node needs a type/);
  assert.match(text, /x\.r: keyword "patternProperties"/);
  assert.match(text, /x\.closed: additionalProperties: false/);
});

test('weft.dev kinds get a CustomResourceDefinition whose schema is the linted one', () => {
  const weft = KINDS.filter((k) => k.group === 'weft.dev');
  assert.deepEqual(weft.map((k) => k.kind), ['Workload', 'TrafficPolicy', 'MeshConfig', 'AuthorizationPolicy']);
  for (const info of weft) {
    const crd = customResourceDefinition(info) as { metadata: { name: string }; spec: { scope: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] } };
    assert.equal(crd.metadata.name, `${info.plural}.weft.dev`);
    assert.equal(crd.spec.scope, info.namespaced ? 'Namespaced' : 'Cluster');
    assert.equal(crd.spec.versions[0].name, 'v1alpha1');
    assert.deepEqual(crd.spec.versions[0].schema.openAPIV3Schema, openAPIV3Schema(info));
  }
  assert.throws(() => customResourceDefinition(KINDS[0]), /not a weft\.dev kind/);
});
