// Walks input against a structural schema (the subset CRDs allow) and returns it normalised:
// defaults filled in (as the Kubernetes API server does on write), every problem reported
// with its field path. Objects with `properties` are closed: an unknown field is an error
// (kubectl's --validate=strict), so a typo never silently drops a setting.

import type { TSchema } from 'typebox';
import type { IssueList, FieldPath } from './issues.ts';
import { describeValue as describe, notAString, lengthProblem, countProblems, NULL_ITEM, rangeProblem } from '../core/value-checks.ts';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, DNS1035_LABEL, DURATION_PATTERN } from './schema-kit.ts';

type Json = Record<string, unknown>;
type Schema = Json & { readonly properties?: Record<string, Schema> };

/** Patterns explained in words; a bare regex is a poor error message. */
const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [DNS1123_LABEL]: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  [DNS1123_SUBDOMAIN]: 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", each part starting and ending with a letter or digit',
  [DNS1035_LABEL]: 'must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter',
  [DURATION_PATTERN]: 'must be a Gateway API duration such as "500ms", "10s", "1m30s" or "1h" (units h, m, s, ms; no decimals)',
};

export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function decodeValue(schema: TSchema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  const s = schema as Schema;
  if (s['x-kubernetes-int-or-string']) {
    if ((typeof input === 'number' && Number.isInteger(input)) || typeof input === 'string') return input;
    issues.add(path, `expected an integer or a string, got ${describe(input)}`);
    return undefined;
  }
  if (Array.isArray(s.enum)) {
    if (s.enum.includes(input)) return input;
    const near = typeof input === 'string' ? s.enum.find((e) => typeof e === 'string' && e.toLowerCase() === input.toLowerCase()) : undefined;
    const hint = near !== undefined ? ` (did you mean "${String(near)}"? values are case-sensitive)` : '';
    issues.add(path, `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}; got ${describe(input)}${hint}`);
    return undefined;
  }
  switch (s.type) {
    case 'object':
      return s.properties ? decodeObject(s, input, path, issues) : decodeMap(s, input, path, issues);
    case 'array':
      return decodeArray(s, input, path, issues);
    case 'string':
      return decodeString(s, input, path, issues);
    case 'integer':
    case 'number':
      return decodeNumber(s, input, path, issues);
    case 'boolean':
      if (typeof input === 'boolean') return input;
      issues.add(path, `expected true or false, got ${describe(input)}`);
      return undefined;
    default:
      return input;
  }
}

function decodeObject(s: Schema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  const props = s.properties ?? {};
  if (!isPlainObject(input)) {
    issues.add(path, `expected an object (fields: ${Object.keys(props).join(', ')}), got ${describe(input)}`);
    return undefined;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const at = [...path, key];
    if (!Object.hasOwn(props, key)) {
      const near = nearName(key, Object.keys(props));
      const hint = near ? `did you mean "${near}"?` : `known fields: ${Object.keys(props).join(', ')}`;
      issues.add(at, `unknown field "${key}" (${hint})`);
      continue;
    }
    if (value === null || value === undefined) continue; // null means unset, as in Kubernetes
    const v = decodeValue(props[key], value, at, issues);
    if (v !== undefined) out[key] = v;
  }
  for (const r of (s.required ?? []) as string[]) {
    if (input[r] === undefined || input[r] === null) issues.add([...path, r], `required field "${r}" is missing`);
  }
  for (const [key, ps] of Object.entries(props)) {
    if (out[key] === undefined && input[key] == null && 'default' in ps) {
      out[key] = decodeValue(ps, structuredClone(ps.default), [...path, key], issues);
    }
  }
  return out;
}

/** A known name that differs only in case or by a short prefix/suffix ("backendRef" → "backendRefs"). */
function nearName(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  return known.find((n) => n.toLowerCase() === k) ??
    known.find((n) => Math.abs(n.length - k.length) <= 2 && (n.toLowerCase().startsWith(k) || k.startsWith(n.toLowerCase())));
}

function decodeMap(s: Schema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  if (!isPlainObject(input)) {
    issues.add(path, `expected a map, got ${describe(input)}`);
    return undefined;
  }
  const values = (s.additionalProperties ?? {}) as TSchema;
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const v = decodeValue(values, value, [...path, key], issues);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function decodeArray(s: Schema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  if (!Array.isArray(input)) {
    issues.add(path, `expected a list, got ${describe(input)}`);
    return undefined;
  }
  const counts = countProblems(input.length, s.minItems as number | undefined, s.maxItems as number | undefined);
  for (const problem of counts) issues.add(path, problem);
  // Do not walk (and report on) a list that is too long anyway.
  if (s.maxItems !== undefined && input.length > (s.maxItems as number)) return undefined;
  // An invalid item leaves a hole (a sparse array), so the others keep their index and the
  // cross-field checks that still run on a partly invalid value (forEach, some… skip holes)
  // name the right positions.
  const out: unknown[] = new Array(input.length);
  input.forEach((item, i) => {
    if (item === null || item === undefined) {
      issues.add([...path, i], NULL_ITEM);
      return;
    }
    const v = decodeValue(s.items as TSchema, item, [...path, i], issues);
    if (v !== undefined) out[i] = v;
  });
  return out;
}

function decodeString(s: Schema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  if (typeof input !== 'string') {
    issues.add(path, notAString(input));
    return undefined;
  }
  const length = lengthProblem(input, s.minLength as number | undefined, s.maxLength as number | undefined);
  if (length) issues.add(path, length);
  else if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(input)) {
    issues.add(path, `${JSON.stringify(input)} ${PATTERN_HINTS[s.pattern] ?? `does not match ${s.pattern}`}`);
  }
  return input;
}

function decodeNumber(s: Schema, input: unknown, path: FieldPath, issues: IssueList): unknown {
  const integer = s.type === 'integer';
  if (typeof input !== 'number' || !Number.isFinite(input) || (integer && !Number.isSafeInteger(input))) {
    const hint = typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input)) ? ' (remove the quotes)' : '';
    issues.add(path, `expected ${integer ? 'an integer' : 'a number'}, got ${describe(input)}${hint}`);
    return undefined;
  }
  const range = rangeProblem(input, s.minimum as number | undefined, s.maximum as number | undefined);
  if (range) {
    issues.add(path, range);
    return undefined;
  }
  return input;
}
