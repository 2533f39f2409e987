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

/**
 * A CustomResourceDefinition (apiextensions.k8s.io/v1) for a Weft kind, for Kubernetes mode.
 * Service is core and Gateway API kinds come with Gateway API's own CRDs, so only weft.dev
 * kinds get one.
 */
export function customResourceDefinition(info: KindInfo): JsonSchema {
  if (info.group !== 'weft.dev') throw new Error(`${info.kind} is not a weft.dev kind; its CRD (if any) comes from its own project`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${info.group}` },
    spec: {
      group: info.group,
      names: { kind: info.kind, listKind: `${info.kind}List`, plural: info.plural, singular: info.singular, ...(info.shortNames.length ? { shortNames: info.shortNames } : {}) },
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [{ name: info.version, served: true, storage: true, schema: { openAPIV3Schema: openAPIV3Schema(info) } }],
    },
  };
}
