// Each kind as a Kubernetes CRD openAPIV3Schema (structural: see crd-lint.test.ts), so CRDs
// for Kubernetes mode can be generated from the same schemas that validate here.

import type { KindInfo } from './registry.ts';

export type JsonSchema = { readonly [key: string]: unknown };

/** A plain-JSON copy of a TypeBox schema (drops TypeBox's symbol-keyed markers). */
export function plainSchema(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

/** The CRD's `spec.versions[].schema.openAPIV3Schema` for `info`. */
export function openAPIV3Schema(info: KindInfo): JsonSchema {
  return {
    type: 'object',
    description: `${info.kind} (${info.apiVersion})`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      // The API server owns metadata's schema; CRDs may only constrain name.
      metadata: { type: 'object' },
      spec: plainSchema(info.spec),
    },
  };
}
