// The snapshot cache: xDS resources per node (or for every node), by type URL, already packed as
// google.protobuf.Any. Translation writes here; the ADS server reads from here and is told what
// changed. Like go-control-plane's SnapshotCache, but versions are kept per type so a change to
// routes does not resend clusters.
import { createHash } from 'node:crypto';
import { WeftError } from '../../core/errors.ts';
import { packResource, type AnyResource } from '../../xds/proto/index.ts';
import { TYPE_URLS } from '../../xds/envoy/index.ts';

/** An Envoy resource in proto3 JSON (the shape of a bootstrap's static_resources entries). */
export type XdsResource = Readonly<Record<string, unknown>>;

/** The four resource types the ADS server serves, in the order it pushes them. */
export const PUSH_ORDER = [TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.listener, TYPE_URLS.routeConfiguration] as const;
export type ResourceTypeUrl = (typeof PUSH_ORDER)[number];

/** Snapshot key for resources every node gets unless it has its own. */
export const ANY_NODE = '*';

export interface PackedResource {
  readonly name: string;
  readonly any: AnyResource;
  /** Content hash: decides whether a node's view of a type changed. */
  readonly hash: string;
}

export interface TypeSnapshot {
  readonly version: string;
  readonly resources: ReadonlyMap<string, PackedResource>;
}

const EMPTY: TypeSnapshot = { version: '', resources: new Map() };

export function isResourceType(typeUrl: string): typeUrl is ResourceTypeUrl {
  return (PUSH_ORDER as readonly string[]).includes(typeUrl);
}

/** ClusterLoadAssignment is named by `cluster_name`; the others by `name`. */
function nameOf(typeUrl: ResourceTypeUrl, r: XdsResource, index: number): string {
  const key = typeUrl === TYPE_URLS.clusterLoadAssignment ? 'cluster_name' : 'name';
  const name = r[key];
  if (typeof name !== 'string' || name === '') {
    throw new WeftError('WEFT_CONFIG_INVALID', `resource ${index} of ${typeUrl} has no '${key}'`, { path: `[${index}].${key}` });
  }
  return name;
}

export class SnapshotCache {
  private readonly nodes = new Map<string, Map<ResourceTypeUrl, TypeSnapshot>>();
  private readonly watchers = new Set<(nodeKey: string, typeUrl: ResourceTypeUrl) => void>();
  private counter = 0;

  /**
   * Replaces the resources of one type for `nodeKey` (a node id, or ANY_NODE). Each resource is
   * packed now, once for all proxies, so a resource protobuf cannot represent fails here, at the
   * caller, with its field path. Unchanged content keeps its version and wakes nobody.
   */
  setResources(nodeKey: string, typeUrl: string, resources: readonly XdsResource[]): void {
    if (!isResourceType(typeUrl)) {
      throw new WeftError('WEFT_CONFIG_UNSUPPORTED', `the ADS server serves ${PUSH_ORDER.join(', ')}; not ${typeUrl}`);
    }
    let types = this.nodes.get(nodeKey);
    const old = types?.get(typeUrl);
    const packed = new Map<string, PackedResource>();
    resources.forEach((r, i) => {
      const name = nameOf(typeUrl, r, i);
      if (packed.has(name)) throw new WeftError('WEFT_CONFIG_INVALID', `two ${typeUrl} resources are named '${name}'`, { path: `[${i}]` });
      let any: AnyResource;
      try {
        any = packResource(typeUrl, r);
      } catch (err) {
        const e = err as WeftError;
        throw new WeftError(e.code ?? 'WEFT_CONFIG_INVALID', `${typeUrl} '${name}': ${e.message}`, { cause: err });
      }
      const hash = createHash('sha256').update(any.value).digest('base64url').slice(0, 22);
      // An unchanged resource stays the same object: streams compare what they sent by identity.
      const previous = old?.resources.get(name);
      packed.set(name, previous?.hash === hash ? previous : { name, any, hash });
    });
    if (types === undefined) {
      types = new Map();
      this.nodes.set(nodeKey, types);
    }
    if (old !== undefined && sameContent(old.resources, packed)) return;
    types.set(typeUrl, { version: String(++this.counter), resources: packed });
    for (const w of this.watchers) w(nodeKey, typeUrl);
  }

  /** Sets several types at once (a whole snapshot); each type's version moves only if it changed. */
  setSnapshot(nodeKey: string, snapshot: Readonly<Partial<Record<ResourceTypeUrl, readonly XdsResource[]>>>): void {
    for (const typeUrl of PUSH_ORDER) {
      const resources = snapshot[typeUrl];
      if (resources !== undefined) this.setResources(nodeKey, typeUrl, resources);
    }
  }

  /** Forgets a node's own snapshot; it falls back to ANY_NODE's. */
  clearNode(nodeKey: string): void {
    const types = this.nodes.get(nodeKey);
    if (types === undefined) return;
    this.nodes.delete(nodeKey);
    for (const typeUrl of types.keys()) for (const w of this.watchers) w(nodeKey, typeUrl);
  }

  /** What a node sees of one type: its own snapshot if it has one for that type, else ANY_NODE's. */
  view(nodeId: string, typeUrl: ResourceTypeUrl): TypeSnapshot {
    return this.nodes.get(nodeId)?.get(typeUrl) ?? this.nodes.get(ANY_NODE)?.get(typeUrl) ?? EMPTY;
  }

  /** Called with (nodeKey, typeUrl) after every change; returns the unsubscribe function. */
  watch(fn: (nodeKey: string, typeUrl: ResourceTypeUrl) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

function sameContent(a: ReadonlyMap<string, PackedResource>, b: ReadonlyMap<string, PackedResource>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, r] of a) if (b.get(name)?.hash !== r.hash) return false;
  return true;
}
