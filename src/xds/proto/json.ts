// proto3 canonical JSON ⇄ protobufjs messages, by reflection over the loaded types. protobufjs's own
// toObject/fromObject are not proto3 JSON (Duration is {seconds: Long}, UInt32Value is {value}), and
// the proxy validates resources in exactly the JSON shape a bootstrap file has, so xDS resources
// must arrive in that shape. Field names stay snake_case (proto names), as Envoy's YAML uses them.
import protobuf from 'protobufjs';
import { WeftError } from '../../core/errors.ts';
import { formatDuration, parseDuration } from '../envoy/duration.ts';
import { formatPath, type FieldPath } from '../envoy/issues.ts';
import { findType } from './root.ts';

type Json = Record<string, unknown>;
type Message = Record<string, unknown>;

const TYPE_PREFIX = 'type.googleapis.com/';
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32_TYPES = new Set(['uint32', 'fixed32']);
const WRAPPERS = new Set([
  '.google.protobuf.DoubleValue', '.google.protobuf.FloatValue', '.google.protobuf.Int64Value', '.google.protobuf.UInt64Value',
  '.google.protobuf.Int32Value', '.google.protobuf.UInt32Value', '.google.protobuf.BoolValue', '.google.protobuf.StringValue',
  '.google.protobuf.BytesValue',
]);

function fail(path: FieldPath, message: string): never {
  throw new WeftError('WEFT_CONFIG_INVALID', message, { path: formatPath(path) || '(top level)' });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The message named by an Any's type URL (the part after the last '/'). */
export function typeOfUrl(typeUrl: string): protobuf.Type | null {
  return findType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
}

// ── message → JSON ──

function longToJson(v: unknown): string {
  return typeof v === 'object' && v !== null ? String(v) : String(v); // Long, number or string
}

function scalarToJson(field: protobuf.Field, v: unknown, path: FieldPath): unknown {
  if (field.resolvedType instanceof protobuf.Enum) {
    const name = field.resolvedType.valuesById[v as number];
    return name ?? v;
  }
  if (field.resolvedType instanceof protobuf.Type) return messageToJson(field.resolvedType, v as Message, path);
  if (LONG_TYPES.has(field.type)) return longToJson(v);
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if ((field.type === 'double' || field.type === 'float') && !Number.isFinite(v as number)) {
    return Number.isNaN(v) ? 'NaN' : (v as number) > 0 ? 'Infinity' : '-Infinity';
  }
  return v;
}

function wellKnownToJson(name: string, type: protobuf.Type, msg: Message, path: FieldPath): { value: unknown } | null {
  switch (name) {
    case '.google.protobuf.Any':
      return { value: anyToJson(msg, path) };
    case '.google.protobuf.Duration': {
      const seconds = Number(msg.seconds ?? 0);
      const nanos = Number(msg.nanos ?? 0);
      const negative = seconds < 0 || nanos < 0;
      const text = formatDuration(Math.abs(seconds), Math.abs(nanos));
      return { value: negative ? `-${text}` : text };
    }
    case '.google.protobuf.Timestamp': {
      const ms = Number(msg.seconds ?? 0) * 1000 + Math.floor(Number(msg.nanos ?? 0) / 1e6);
      return { value: new Date(ms).toISOString() };
    }
    case '.google.protobuf.Struct': {
      const out: Json = {};
      for (const [k, v] of Object.entries((msg.fields ?? {}) as Record<string, Message>)) out[k] = valueToJson(v, [...path, k]);
      return { value: out };
    }
    case '.google.protobuf.Value':
      return { value: valueToJson(msg, path) };
    case '.google.protobuf.ListValue':
      return { value: ((msg.values ?? []) as Message[]).map((v, i) => valueToJson(v, [...path, i])) };
    case '.google.protobuf.Empty':
      return { value: {} };
    case '.google.protobuf.FieldMask':
      return { value: ((msg.paths ?? []) as string[]).join(',') };
    default:
      if (WRAPPERS.has(name)) {
        const field = type.fields.value;
        return { value: Object.hasOwn(msg, 'value') ? scalarToJson(field, msg.value, path) : field.typeDefault };
      }
      return null;
  }
}

/**
 * google.protobuf.Value's field names. protobufjs builds the well-known types in from its own
 * definitions, which spell them in camelCase whatever `keepCase` says.
 */
let valueKeys: { null: string; number: string; string: string; bool: string; struct: string; list: string } | null = null;

function valueFields(): NonNullable<typeof valueKeys> {
  if (valueKeys === null) {
    const snake = findType('google.protobuf.Value')?.fields.string_value !== undefined;
    valueKeys = snake
      ? { null: 'null_value', number: 'number_value', string: 'string_value', bool: 'bool_value', struct: 'struct_value', list: 'list_value' }
      : { null: 'nullValue', number: 'numberValue', string: 'stringValue', bool: 'boolValue', struct: 'structValue', list: 'listValue' };
  }
  return valueKeys;
}

function valueToJson(v: Message, path: FieldPath): unknown {
  const f = valueFields();
  const has = (k: string) => Object.hasOwn(v, k) && v[k] !== undefined && v[k] !== null;
  if (has(f.struct)) {
    const out: Json = {};
    for (const [k, x] of Object.entries(((v[f.struct] as Message).fields ?? {}) as Record<string, Message>)) out[k] = valueToJson(x, [...path, k]);
    return out;
  }
  if (has(f.list)) return (((v[f.list] as Message).values ?? []) as Message[]).map((x, i) => valueToJson(x, [...path, i]));
  if (has(f.string)) return v[f.string];
  if (has(f.number)) return v[f.number];
  if (has(f.bool)) return v[f.bool];
  return null;
}

/** An Any as proto3 JSON: {"@type": url, ...fields}, or {"@type", value} for a well-known payload. */
export function anyToJson(any: Message, path: FieldPath = []): Json {
  const url = String(any.type_url ?? '');
  const type = typeOfUrl(url);
  if (type === null) {
    throw new WeftError('WEFT_CONFIG_UNSUPPORTED', `cannot read a google.protobuf.Any of type ${JSON.stringify(url)}: Weft does not know that message`, { path: formatPath([...path, '@type']) || '@type' });
  }
  const inner = type.decode((any.value ?? new Uint8Array(0)) as Uint8Array) as unknown as Message;
  const wk = wellKnownToJson(type.fullName, type, inner, path);
  if (wk !== null) return { '@type': url, value: wk.value };
  return { '@type': url, ...(messageToJson(type, inner, path) as Json) };
}

/** A decoded message as proto3 JSON (fields at their proto3 default are left out, as the spec says). */
export function messageToJson(type: protobuf.Type, msg: Message, path: FieldPath = []): unknown {
  const wk = wellKnownToJson(type.fullName, type, msg, path);
  if (wk !== null) return wk.value;
  const out: Json = {};
  for (const field of type.fieldsArray) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const at = [...path, field.name];
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const m: Json = {};
      for (const [k, x] of entries) m[k] = scalarToJson(field, x, [...at, k]);
      out[field.name] = m;
    } else if (field.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      out[field.name] = list.map((x, i) => scalarToJson(field, x, [...at, i]));
    } else {
      // Decoded messages carry only the fields on the wire as own properties; defaults sit on the prototype.
      if (!Object.hasOwn(msg, field.name)) continue;
      out[field.name] = scalarToJson(field, v, at);
    }
  }
  return out;
}

// ── JSON → message ──

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function scalarFromJson(field: protobuf.Field, v: unknown, path: FieldPath): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof v === 'string' && Object.hasOwn(rt.values, v)) return rt.values[v];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    fail(path, `expected one of ${Object.keys(rt.values).join(', ')}, got ${describe(v)}`);
  }
  if (rt instanceof protobuf.Type) return messageFromJson(rt, v, path);
  const t = field.type;
  if (t === 'string') {
    if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
    return v;
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean') fail(path, `expected true or false, got ${describe(v)}`);
    return v;
  }
  if (t === 'bytes') {
    if (typeof v !== 'string') fail(path, `expected base64 text, got ${describe(v)}`);
    return Buffer.from(v, 'base64');
  }
  const n = typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
  if (t === 'double' || t === 'float') {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    if (typeof n !== 'number') fail(path, `expected a number, got ${describe(v)}`);
    return n;
  }
  if (LONG_TYPES.has(t)) {
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return v; // fromObject parses decimal strings into Long
    if (typeof n !== 'number' || !Number.isInteger(n)) fail(path, `expected an integer, got ${describe(v)}`);
    return n;
  }
  if (typeof n !== 'number' || !Number.isInteger(n)) fail(path, `expected an integer, got ${describe(v)}`);
  if (INT32_TYPES.has(t) && (n < -0x80000000 || n > 0x7fffffff)) fail(path, `${n} does not fit an int32`);
  if (UINT32_TYPES.has(t) && (n < 0 || n > 0xffffffff)) fail(path, `${n} does not fit a uint32`);
  return n;
}

function valueFromJson(v: unknown, path: FieldPath): Message {
  const f = valueFields();
  if (v === null) return { [f.null]: 0 };
  if (typeof v === 'number') return { [f.number]: v };
  if (typeof v === 'string') return { [f.string]: v };
  if (typeof v === 'boolean') return { [f.bool]: v };
  if (Array.isArray(v)) return { [f.list]: { values: v.map((x, i) => valueFromJson(x, [...path, i])) } };
  if (isObject(v)) return { [f.struct]: structFromJson(v, path) };
  fail(path, `cannot store ${describe(v)} in a google.protobuf.Value`);
}

function structFromJson(v: unknown, path: FieldPath): Message {
  if (!isObject(v)) fail(path, `expected an object, got ${describe(v)}`);
  const fields: Record<string, Message> = {};
  for (const [k, x] of Object.entries(v)) fields[k] = valueFromJson(x, [...path, k]);
  return { fields };
}

function wellKnownFromJson(name: string, type: protobuf.Type, v: unknown, path: FieldPath): { value: Message } | null {
  switch (name) {
    case '.google.protobuf.Any':
      return { value: anyFromJson(v, path) };
    case '.google.protobuf.Duration': {
      if (typeof v === 'string' && v.startsWith('-')) {
        const p = parseDuration(v.slice(1));
        if (p.ok) return { value: { seconds: -p.seconds, nanos: -p.nanos } };
      }
      const p = parseDuration(v);
      if (!p.ok) fail(path, p.reason);
      return { value: { seconds: p.seconds, nanos: p.nanos } };
    }
    case '.google.protobuf.Timestamp': {
      const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
      if (!Number.isFinite(ms)) fail(path, `expected an RFC 3339 timestamp, got ${describe(v)}`);
      return { value: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } };
    }
    case '.google.protobuf.Struct':
      return { value: structFromJson(v, path) };
    case '.google.protobuf.Value':
      return { value: valueFromJson(v, path) };
    case '.google.protobuf.ListValue':
      if (!Array.isArray(v)) fail(path, `expected a list, got ${describe(v)}`);
      return { value: { values: v.map((x, i) => valueFromJson(x, [...path, i])) } };
    case '.google.protobuf.FieldMask':
      if (typeof v !== 'string') fail(path, `expected a comma-separated field mask, got ${describe(v)}`);
      return { value: { paths: v === '' ? [] : v.split(',') } };
    default:
      if (WRAPPERS.has(name)) return { value: { value: scalarFromJson(type.fields.value, v, path) } };
      return null;
  }
}

/** {"@type": url, ...fields} → {type_url, value: bytes}. */
export function anyFromJson(v: unknown, path: FieldPath = []): Message {
  if (!isObject(v) || typeof v['@type'] !== 'string') fail([...path, '@type'], `expected an object with an '@type' field, got ${describe(v)}`);
  const url = v['@type'] as string;
  const type = typeOfUrl(url);
  if (type === null) fail([...path, '@type'], `unknown message type ${JSON.stringify(url)}`);
  const { '@type': _ignored, ...rest } = v;
  // A well-known payload travels as {"@type", "value": <its JSON>} (proto3 JSON's rule for Any).
  const wk = wellKnownFromJson(type.fullName, type, rest.value, path);
  const message = wk !== null ? type.fromObject(wk.value) : messageFromJsonTyped(type, rest, path);
  return { type_url: url.includes('/') ? url : `${TYPE_PREFIX}${url}`, value: type.encode(message).finish() };
}

function messageFromJsonTyped(type: protobuf.Type, v: unknown, path: FieldPath): protobuf.Message {
  return type.fromObject(messageFromJson(type, v, path) as Json);
}

/**
 * proto3 JSON → the plain object form protobufjs's fromObject takes (Any already packed). Unknown
 * fields are errors with their path, as in the proxy's own decoder.
 */
export function messageFromJson(type: protobuf.Type, v: unknown, path: FieldPath = []): Message {
  const wk = wellKnownFromJson(type.fullName, type, v, path);
  if (wk !== null) return wk.value;
  if (!isObject(v)) fail(path, `expected an object (${type.name}), got ${describe(v)}`);
  const out: Message = {};
  for (const [key, x] of Object.entries(v)) {
    const field = type.fields[key];
    const at = [...path, key];
    if (field === undefined) fail(at, `unknown field '${key}' in ${type.fullName.slice(1)}`);
    if (x === null) continue;
    if (field instanceof protobuf.MapField) {
      if (!isObject(x)) fail(at, `expected an object (a map), got ${describe(x)}`);
      const m: Message = {};
      for (const [k, y] of Object.entries(x)) m[k] = scalarFromJson(field, y, [...at, k]);
      out[key] = m;
    } else if (field.repeated) {
      if (!Array.isArray(x)) fail(at, `expected a list, got ${describe(x)}`);
      out[key] = x.map((y, i) => scalarFromJson(field, y, [...at, i]));
    } else {
      out[key] = scalarFromJson(field, x, at);
    }
  }
  return out;
}

/** proto3 JSON → wire bytes of `type`. */
export function encodeJson(type: protobuf.Type, v: unknown, path: FieldPath = []): Uint8Array {
  return type.encode(type.fromObject(messageFromJson(type, v, path))).finish();
}
