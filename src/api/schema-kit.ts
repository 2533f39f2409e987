// TypeBox helpers that keep every schema a valid Kubernetes *structural* schema (CRD
// openAPIV3Schema): typed enums instead of anyOf+const, maps via additionalProperties, no $ref.
// The structural linter (crd-lint.test.ts) checks the result.

import { Type, type TUnsafe } from 'typebox';

/** A string enum that Static<> sees as the literal union (Type.Union would emit anyOf+const). */
export function StringEnum<const V extends readonly string[]>(
  values: V,
  options: { default?: V[number]; description?: string } = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An integer enum (e.g. redirect status codes). */
export function IntEnum<const V extends readonly number[]>(
  values: V,
  options: { default?: V[number]; description?: string } = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'integer', enum: [...values], ...options });
}

/** map[string]string, the shape of labels, annotations and selectors. */
export function StringMap(options: { description?: string } = {}): TUnsafe<Readonly<Record<string, string>>> {
  return Type.Unsafe<Readonly<Record<string, string>>>({ type: 'object', additionalProperties: { type: 'string' }, ...options });
}

/** Kubernetes IntOrString (Service targetPort): a number or a named port. */
export function IntOrString(options: { description?: string } = {}): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true, ...options });
}

/** Gateway API Duration (GEP-2257): e.g. "1h", "500ms", "1m30s". */
export const DURATION_PATTERN = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
export function Duration(options: { description?: string; default?: string } = {}) {
  return Type.String({ pattern: DURATION_PATTERN, ...options });
}

export const Port = (options: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: 65535, ...options });

/** DNS-1123 label: the shape of namespaces and most names. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1035 label: a Service name must start with a letter. */
export const DNS1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** IANA_SVC_NAME: named ports (≤ 15 characters, a letter somewhere, no '--'). */
export const IANA_SVC_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export { Type };
