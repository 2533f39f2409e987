// Weft's dialect of TypeBox for proto messages. The schemas describe the *normalised* shape (what the
// loader returns and /config_dump prints); the annotations below tell the decoder what Envoy accepts
// beyond that shape and what Weft knowingly refuses, so every refusal names the field.

import { Type, type TProperties, type TSchema, type TEnumValue } from 'typebox';

/** Annotation keywords (JSON-Schema extension keys, so the schemas stay serialisable). */
export const X = {
  /** On a message: Envoy field name → hint, for valid Envoy fields Weft does not implement. */
  unsupported: 'x-unsupported',
  /** On a message: proto oneofs, checked for "at most one" / "exactly one". */
  oneofs: 'x-oneofs',
  /** On a field: modelled, but refused for now (the hint says why or when). */
  refused: 'x-refused',
  /** On an enum: values Envoy accepts that Weft does not implement yet. */
  unsupportedValues: 'x-unsupported-values',
  /** On a string: google.protobuf.Duration (accepts {seconds, nanos} too; normalised to "1.500s"). */
  duration: 'x-duration',
  /** On a union: google.protobuf.Any, dispatched on its '@type'. */
  any: 'x-any',
  /** On a string: proto `bytes` (base64 in proto-JSON). */
  bytes: 'x-bytes',
  /** On a message: Envoy's `is_optional` — an Any field of a type Weft lacks is dropped when the flag is set. */
  optionalAny: 'x-optional-any',
} as const;

export interface OneOf {
  readonly fields: readonly string[];
  /** Envoy's `(validate.required) = true`: one member must be set. */
  readonly required?: boolean;
}

export interface MessageOptions {
  /** Valid Envoy fields Weft refuses; value is an optional hint ('' for none). */
  readonly unsupported?: Readonly<Record<string, string>> | readonly string[];
  readonly oneofs?: readonly OneOf[];
  /** `field` (an Any) may hold a type Weft does not know when the bool `flag` is true; it is then dropped. */
  readonly optionalAny?: { readonly field: string; readonly flag: string };
}

function hints(u: MessageOptions['unsupported']): Record<string, string> {
  if (!u) return {};
  if (Array.isArray(u)) return Object.fromEntries(u.map((k) => [k, '']));
  return { ...(u as Record<string, string>) };
}

/** A proto message: closed, so a misspelt or unknown field is an error rather than silently ignored. */
export function Message<P extends TProperties>(properties: P, options: MessageOptions = {}) {
  return Type.Object(properties, {
    additionalProperties: false,
    [X.unsupported]: hints(options.unsupported),
    [X.oneofs]: options.oneofs ?? [],
    ...(options.optionalAny ? { [X.optionalAny]: options.optionalAny } : {}),
  });
}

export const Str = (options: { minLength?: number; maxLength?: number; pattern?: string; default?: string } = {}) =>
  Type.String(options);

export const UInt32 = (options: { minimum?: number; maximum?: number; default?: number } = {}) =>
  Type.Integer({ minimum: 0, maximum: 4294967295, ...options });

export const Int64 = () => Type.Integer();

export const Bool = (options: { default?: boolean } = {}) => Type.Boolean(options);

/** A proto enum, by value name. `unsupported` values are valid in Envoy but refused by Weft for now. */
export function Enum<const V extends TEnumValue[]>(
  values: readonly [...V],
  options: { unsupported?: readonly V[number][]; default?: V[number] } = {},
) {
  const { unsupported, ...rest } = options;
  return Type.Enum(values, { ...rest, [X.unsupportedValues]: unsupported ?? [] });
}

/** google.protobuf.Duration; `positive` mirrors Envoy's `duration = {gt {}}` rule. */
export const Duration = (options: { default?: string; positive?: boolean } = {}) =>
  Type.String({ [X.duration]: { positive: options.positive ?? false }, ...(options.default ? { default: options.default } : {}) });

/** proto `bytes`: base64 text in proto-JSON. */
export const Bytes = () => Type.String({ [X.bytes]: true });

/** google.protobuf.Struct: free-form JSON object. */
export const Struct = () => Type.Record(Type.String(), Type.Unknown());

/** google.protobuf.Any restricted to the given messages (each declares its '@type' literal). */
export function Any<T extends TSchema[]>(members: [...T]) {
  return Type.Union(members, { [X.any]: true });
}

/** A modelled field Weft refuses until the feature lands; the decoder reports `hint`. */
export function Refused<T extends TSchema>(schema: T, hint: string): T {
  // Copy descriptors, not just enumerable keys: TypeBox keeps its kind markers non-enumerable.
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(schema));
  Object.defineProperty(copy, X.refused, { value: hint, enumerable: true });
  return copy as T;
}

export { Type };
