// Decodes proto3-JSON-shaped input (parsed YAML or JSON) against an annotated schema (schema.ts).
// Reports every problem with its exact field path and returns the normalised value: defaults filled,
// durations and enum names canonical, '@type' canonical, nulls dropped.

import type { TSchema } from 'typebox';
import { parseDuration, formatDuration } from './duration.ts';
import type { FieldPath, Issues } from './issues.ts';
import { describeValue as describe, notAString, lengthProblem, countProblems, NULL_ITEM, rangeProblem } from '../../core/value-checks.ts';
import { X, type OneOf } from './schema.ts';

type Json = Record<string, unknown>;
type SchemaObj = Json & { readonly properties?: Record<string, SchemaObj> };

const TYPE_URL_PREFIX = 'type.googleapis.com/';

export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** proto3 default values: setting a refused field to one of these changes nothing, so it is accepted. */
function isZero(v: unknown): boolean {
  return v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function unknownField(key: string, supported: readonly string[], refused: readonly string[]): string {
  const known = [...supported, ...refused];
  if (/[A-Z]/.test(key)) {
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (known.includes(snake)) {
      return `unknown field '${key}': Weft reads proto field names in snake_case, write '${snake}'`;
    }
  }
  const near = known.filter((k) => editDistance(k, key) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key));
  const hint = near.length > 0 ? `; did you mean '${near[0]}'?` : '';
  return `unknown field '${key}'${hint} (supported: ${supported.join(', ') || 'none'})`;
}

function unsupportedMsg(what: string, hint: string | undefined): string {
  return `Weft does not support ${what} yet${hint ? `: ${hint}` : ''}`;
}

export function decode(schema: TSchema, input: unknown, path: FieldPath, issues: Issues): unknown {
  const s = schema as SchemaObj;
  if (s[X.duration] !== undefined) return decodeDuration(s, input, path, issues);
  if (s[X.any]) return decodeAny(s, input, path, issues);
  if (Array.isArray(s.enum)) return decodeEnum(s, input, path, issues);
  if ('const' in s) {
    if (input === s.const) return input;
    issues.invalid(path, `expected ${JSON.stringify(s.const)}, got ${describe(input)}`);
    return undefined;
  }
  switch (s.type) {
    case 'object':
      return s.properties ? decodeMessage(s, input, path, issues) : decodeMap(s, input, path, issues);
    case 'array':
      return decodeList(s, input, path, issues);
    case 'string':
      return decodeString(s, input, path, issues);
    case 'integer':
      return decodeInteger(s, input, path, issues);
    case 'number':
      if (typeof input === 'number' && Number.isFinite(input)) return input;
      issues.invalid(path, `expected a number, got ${describe(input)}`);
      return undefined;
    case 'boolean':
      if (typeof input === 'boolean') return input;
      issues.invalid(path, `expected true or false, got ${describe(input)}`);
      return undefined;
    default:
      return input; // google.protobuf.Value inside a Struct: any JSON.
  }
}

function decodeMessage(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  const props = s.properties ?? {};
  const refusedHints = (s[X.unsupported] ?? {}) as Record<string, string>;
  const supported = Object.keys(props).filter((k) => props[k][X.refused] === undefined);
  const refused = [...Object.keys(props).filter((k) => props[k][X.refused] !== undefined), ...Object.keys(refusedHints)];
  if (!isPlainObject(input)) {
    issues.invalid(path, `expected an object (fields: ${supported.join(', ')}), got ${describe(input)}`);
    return undefined;
  }
  const out: Json = {};
  const skip = optionalAnyToDrop(s, input);
  for (const [key, value] of Object.entries(input)) {
    const at = [...path, key];
    if (key === skip) continue;
    if (Object.hasOwn(props, key)) {
      if (value === null || value === undefined) continue; // proto3-JSON: null means unset
      const hint = props[key][X.refused] as string | undefined;
      if (hint !== undefined) {
        if (!isZero(value)) issues.unsupported(at, unsupportedMsg(`'${key}'`, hint));
        continue;
      }
      const v = decode(props[key], value, at, issues);
      if (v !== undefined) out[key] = v;
    } else if (Object.hasOwn(refusedHints, key)) {
      if (!isZero(value)) issues.unsupported(at, unsupportedMsg(`'${key}'`, refusedHints[key]));
    } else {
      issues.invalid(at, unknownField(key, supported, refused));
    }
  }
  for (const r of (s.required ?? []) as string[]) {
    if (input[r] === undefined || input[r] === null) issues.invalid([...path, r], `missing required field '${r}'`);
  }
  for (const o of (s[X.oneofs] ?? []) as OneOf[]) {
    const set = o.fields.filter((f) => input[f] !== undefined && input[f] !== null);
    if (set.length > 1) {
      issues.invalid(path, `set only one of ${quoteList(o.fields)} (found ${quoteList(set)})`);
    } else if (set.length === 0 && o.required) {
      const usable = o.fields.filter((f) => supported.includes(f));
      issues.invalid(path, `one of ${quoteList(usable)} is required`);
    }
  }
  for (const [key, ps] of Object.entries(props)) {
    if (out[key] === undefined && (input[key] === undefined || input[key] === null) && 'default' in ps) {
      out[key] = structuredClone(ps.default);
    }
  }
  return out;
}

/** The Any field an `is_optional: true` message holds with a type Weft does not know (Envoy then ignores it). */
function optionalAnyToDrop(s: SchemaObj, input: Json): string | undefined {
  const opt = s[X.optionalAny] as { field: string; flag: string } | undefined;
  if (opt === undefined || input[opt.flag] !== true) return undefined;
  const value = input[opt.field];
  if (!isPlainObject(value) || typeof value['@type'] !== 'string') return undefined;
  const type = value['@type'];
  const name = type.slice(type.lastIndexOf('/') + 1);
  const members = ((s.properties?.[opt.field]?.anyOf ?? []) as SchemaObj[]).map((m) => String(m.properties?.['@type']?.const ?? ''));
  return members.some((url) => url.slice(url.lastIndexOf('/') + 1) === name) ? undefined : opt.field;
}

function decodeMap(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  if (!isPlainObject(input)) {
    issues.invalid(path, `expected an object, got ${describe(input)}`);
    return undefined;
  }
  const valueSchema = Object.values((s.patternProperties ?? {}) as Record<string, TSchema>)[0] ?? {};
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const v = decode(valueSchema, value, [...path, key], issues);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function decodeList(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  if (!Array.isArray(input)) {
    issues.invalid(path, `expected a list, got ${describe(input)}`);
    return undefined;
  }
  for (const problem of countProblems(input.length, s.minItems as number | undefined, s.maxItems as number | undefined)) issues.invalid(path, problem);
  const out: unknown[] = [];
  input.forEach((item, i) => {
    if (item === null || item === undefined) {
      issues.invalid([...path, i], NULL_ITEM);
      return;
    }
    const v = decode(s.items as TSchema, item, [...path, i], issues);
    if (v !== undefined) out.push(v);
  });
  return out;
}

function decodeString(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  if (typeof input !== 'string') {
    issues.invalid(path, notAString(input));
    return undefined;
  }
  if (s[X.bytes]) {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(input)) {
      issues.invalid(path, 'expected base64 text (proto bytes)');
      return undefined;
    }
    return Buffer.from(input, 'base64').toString('base64');
  }
  const length = lengthProblem(input, s.minLength as number | undefined, s.maxLength as number | undefined);
  if (length) {
    issues.invalid(path, length);
  } else if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(input)) {
    issues.invalid(path, `${JSON.stringify(input)} does not match ${s.pattern}`);
  }
  return input;
}

function decodeInteger(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  // proto3-JSON allows integers as numbers or decimal strings (int64 is usually a string).
  const n = typeof input === 'string' && /^-?\d+$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    issues.invalid(path, `expected an integer, got ${describe(input)}`);
    return undefined;
  }
  const range = rangeProblem(n, s.minimum as number | undefined, s.maximum as number | undefined);
  if (range) {
    issues.invalid(path, range);
    return undefined;
  }
  return n;
}

function decodeEnum(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  const values = s.enum as string[];
  const refused = (s[X.unsupportedValues] ?? []) as string[];
  const usable = values.filter((v) => !refused.includes(v));
  // Envoy parses enums case-insensitively ("codec_type: auto"); the canonical name is the proto's (upper case but for e.g. TLSv1_3).
  const upper = typeof input === 'string' ? input.toUpperCase() : undefined;
  const name = upper === undefined ? undefined : values.find((v) => v.toUpperCase() === upper);
  if (name === undefined) {
    issues.invalid(path, `expected one of ${usable.join(', ')}, got ${describe(input)}`);
    return undefined;
  }
  if (refused.includes(name)) {
    const field = String(path[path.length - 1]);
    issues.unsupported(path, `${unsupportedMsg(`${field} ${name}`, undefined)} (supported: ${usable.join(', ')})`);
    return undefined;
  }
  return name;
}

function decodeDuration(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  const p = parseDuration(input);
  if (!p.ok) {
    issues.invalid(path, p.reason);
    return undefined;
  }
  if ((s[X.duration] as { positive: boolean }).positive && p.seconds === 0 && p.nanos === 0) {
    issues.invalid(path, 'must be greater than 0s');
    return undefined;
  }
  return formatDuration(p.seconds, p.nanos);
}

function decodeAny(s: SchemaObj, input: unknown, path: FieldPath, issues: Issues): unknown {
  const members = (s.anyOf ?? []) as SchemaObj[];
  const urls = members.map((m) => String(m.properties?.['@type']?.const ?? ''));
  const names = urls.map((u) => u.slice(TYPE_URL_PREFIX.length));
  if (!isPlainObject(input)) {
    issues.invalid(path, `expected an object with an '@type' field (one of ${names.join(', ')}), got ${describe(input)}`);
    return undefined;
  }
  const type = input['@type'];
  if (typeof type !== 'string') {
    issues.invalid([...path, '@type'], `missing '@type': say which message this is (one of ${names.join(', ')})`);
    return undefined;
  }
  const name = type.slice(type.lastIndexOf('/') + 1);
  const i = names.indexOf(name);
  if (i < 0) {
    const known = /^(envoy|udpa|xds|google|io\.)/.test(name);
    const msg = `${known ? `Weft does not support ${name} here yet` : `unknown '@type' ${JSON.stringify(type)}`} (supported: ${names.join(', ')})`;
    if (known) issues.unsupported([...path, '@type'], msg);
    else issues.invalid([...path, '@type'], msg);
    return undefined;
  }
  return decode(members[i], { ...input, '@type': urls[i] }, path, issues);
}
