// The store behind the control plane: desired state as Kubernetes-style resources with
// resource versions, optimistic concurrency and ordered watches. Behind an interface so that
// in Kubernetes mode the API server can be the store.

import type { Resource, ResourceKey, ObjectMeta } from '../../../api/index.ts';

/** metadata as the store returns it: the server-owned fields are always set. */
export interface StoredMeta extends ObjectMeta {
  readonly uid: string;
  /** The store revision of the last write to this resource (decimal string, as Kubernetes). */
  readonly resourceVersion: string;
  /** Bumps when spec changes (not for label/annotation edits). */
  readonly generation: number;
  readonly creationTimestamp: string;
}

export interface StoredResource extends Resource {
  readonly metadata: StoredMeta;
}

/** kubectl's words: `service/web created`, `… configured`, `… unchanged`. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  readonly outcome: ApplyOutcome;
  readonly resource: StoredResource;
}

export interface Selector {
  readonly kind?: string;
  /** Only this namespace (undefined: all). */
  readonly namespace?: string;
}

export interface ListResult {
  readonly items: readonly StoredResource[];
  /** The store revision the list reflects: watch from here to miss nothing. */
  readonly revision: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly revision: number;
  readonly object: StoredResource;
}

export interface Watch {
  close(): void;
}

export interface WriteOptions {
  /** Validate and compute the result without writing anything. */
  readonly dryRun?: boolean;
}

export interface Store {
  get(key: ResourceKey): Promise<StoredResource | undefined>;
  /** Sorted by kind, namespace, name. */
  list(selector?: Selector): Promise<ListResult>;
  /**
   * Creates or updates each resource, all or nothing. A resource carrying
   * metadata.resourceVersion must match the stored one (WEFT_CONFLICT otherwise).
   */
  apply(resources: readonly Resource[], options?: WriteOptions): Promise<readonly ApplyResult[]>;
  /** Deletes and returns the last state; WEFT_NOT_FOUND when absent, WEFT_CONFLICT on a stale resourceVersion. */
  delete(key: ResourceKey, options?: WriteOptions & { readonly resourceVersion?: string }): Promise<StoredResource>;
  /**
   * Calls `onEvent` for every change after revision `from`, in revision order, then live. Without
   * `from`, first an ADDED event for each existing resource (a list folded into the watch).
   * WEFT_GONE when `from` is older than the retained history.
   */
  watch(selector: Selector, from: number | undefined, onEvent: (event: WatchEvent) => void): Promise<Watch>;
  /** The revision of the last write. */
  revision(): Promise<number>;
  close(): Promise<void>;
}
