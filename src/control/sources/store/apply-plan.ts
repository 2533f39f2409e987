// The pure part of a write: given what is stored and what was submitted, decide created /
// configured / unchanged (or a conflict) and build the stored object with its server-owned
// metadata. No I/O, so every backend writes the same thing.

import { isDeepStrictEqual } from 'node:util';
import { WeftError } from '../../../core/errors.ts';
import { describeKey, keyOf, type Resource } from '../../../api/index.ts';
import type { StoredResource, ApplyOutcome } from './store.ts';

export interface Planned {
  readonly outcome: ApplyOutcome;
  readonly next: StoredResource;
}

function conflict(r: Resource, detail: string): WeftError {
  return new WeftError('WEFT_CONFLICT', `${describeKey(keyOf(r))}: ${detail}; get the latest version, re-apply your change to it, or remove metadata.resourceVersion to overwrite`);
}

export function planApply(current: StoredResource | undefined, incoming: Resource, revision: number, now: Date, newUid: () => string): Planned {
  const given = incoming.metadata.resourceVersion;
  if (given !== undefined && current === undefined) throw conflict(incoming, `metadata.resourceVersion is ${given} but the resource does not exist`);
  if (given !== undefined && current !== undefined && given !== current.metadata.resourceVersion) {
    throw conflict(incoming, `the object has been modified (resourceVersion ${current.metadata.resourceVersion}, the change was made against ${given})`);
  }
  const labels = incoming.metadata.labels ?? {};
  const annotations = incoming.metadata.annotations ?? {};
  const specSame = current !== undefined && isDeepStrictEqual(current.spec, incoming.spec);
  if (current && specSame && isDeepStrictEqual(current.metadata.labels ?? {}, labels) && isDeepStrictEqual(current.metadata.annotations ?? {}, annotations)) {
    return { outcome: 'unchanged', next: current };
  }
  // A private, frozen copy: the memory backend hands out the object it keeps, so neither the
  // caller's input nor a reader may change it afterwards.
  const next: StoredResource = deepFreeze(structuredClone({
    apiVersion: incoming.apiVersion,
    kind: incoming.kind,
    metadata: {
      name: incoming.metadata.name,
      ...(incoming.metadata.namespace !== undefined ? { namespace: incoming.metadata.namespace } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      uid: current?.metadata.uid ?? newUid(),
      resourceVersion: String(revision),
      generation: current ? current.metadata.generation + (specSame ? 0 : 1) : 1,
      creationTimestamp: current?.metadata.creationTimestamp ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    spec: incoming.spec,
  }));
  return { outcome: current ? 'configured' : 'created', next };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
