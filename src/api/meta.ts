// ObjectMeta and the envelope every resource shares (apiVersion / kind / metadata / spec).

import type { Static } from 'typebox';
import { Type, StringMap, DNS1123_LABEL } from './schema-kit.ts';

/** metadata as Weft reads it. Server-owned fields (uid, generation…) are accepted and replaced. */
export const ObjectMeta = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, description: 'Unique within the namespace and kind.' }),
  namespace: Type.Optional(Type.String({ maxLength: 63, pattern: DNS1123_LABEL, description: 'Defaults to `default` (or `-n`).' })),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  uid: Type.Optional(Type.String({ description: 'Set by the control plane.' })),
  resourceVersion: Type.Optional(Type.String({ description: 'Set by the control plane; on apply, a stale value is a conflict.' })),
  generation: Type.Optional(Type.Integer({ description: 'Set by the control plane: bumps when spec changes.' })),
  creationTimestamp: Type.Optional(Type.String({ description: 'Set by the control plane (RFC 3339).' })),
});
export type ObjectMeta = Static<typeof ObjectMeta>;

/** A stored or submitted resource of any kind. */
export interface Resource<S = unknown> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec: S;
}

/** Identity of a resource: kind + namespace ('' when cluster-scoped) + name. */
export interface ResourceKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function keyOf(r: Resource): ResourceKey {
  return { kind: r.kind, namespace: r.metadata.namespace ?? '', name: r.metadata.name };
}

/** `HTTPRoute default/web` or `MeshConfig default` — how messages name a resource. */
export function describeKey(k: ResourceKey): string {
  return k.namespace ? `${k.kind} ${k.namespace}/${k.name}` : `${k.kind} ${k.name}`;
}
