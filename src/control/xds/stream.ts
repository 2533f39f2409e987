// One proxy's ADS stream, state of the world: its subscriptions per type, what was last sent
// (version, nonce), what it ACKed, its last NACK, and the push queue. No I/O here: requests come in
// through `receive`, responses leave through `send`, so the state machine is tested on its own.
//
// Ordering follows the xDS protocol's "eventual consistency considerations": CDS, then EDS, then
// LDS, then RDS; a type is not sent while an earlier one still awaits its ACK/NACK (bounded by
// `ackTimeoutMs`), so a proxy never gets a route to a cluster it has not seen yet.
import type { DiscoveryRequest } from '../../xds/proto/index.ts';
import { createHash } from 'node:crypto';
import { ResponseEncoder } from './encoder.ts';
import { TYPE_URLS } from '../../xds/envoy/index.ts';
import { isResourceType, PUSH_ORDER, type PackedResource, type ResourceTypeUrl, type SnapshotCache, type TypeSnapshot } from './cache.ts';

export interface Nack {
  readonly nodeId: string;
  readonly typeUrl: ResourceTypeUrl;
  /** The version the proxy refused; it keeps serving `keptVersion`. */
  readonly rejectedVersion: string;
  readonly keptVersion: string;
  readonly nonce: string;
  readonly message: string;
  readonly at: Date;
}

export interface TypeStatus {
  readonly typeUrl: ResourceTypeUrl;
  readonly subscribed: 'wildcard' | readonly string[];
  readonly sentVersion: string;
  readonly ackedVersion: string;
  readonly awaitingAck: boolean;
  readonly lastNack: Nack | null;
}

export type StreamEvent =
  | { readonly kind: 'ack'; readonly nodeId: string; readonly typeUrl: string; readonly version: string }
  | { readonly kind: 'nack'; readonly nack: Nack }
  | { readonly kind: 'sent'; readonly nodeId: string; readonly typeUrl: string; readonly version: string; readonly resources: number }
  | { readonly kind: 'ignored'; readonly nodeId: string; readonly typeUrl: string; readonly reason: string };

export interface StreamOptions {
  /** Cache changes are pushed after this quiet period, coalescing bursts (default 100 ms). */
  readonly debounceMs?: number;
  /** How long a later type waits for an earlier type's ACK/NACK before it is sent anyway (default 5 s). */
  readonly ackTimeoutMs?: number;
  readonly onEvent?: (e: StreamEvent) => void;
  /** Shared between the streams of a server, so equal responses are encoded once. */
  readonly encoder?: ResponseEncoder;
}

interface TypeState {
  requested: boolean;
  wildcard: boolean;
  names: Set<string>;
  /** The subscription changed (or the proxy asked afresh): send even if the content did not. */
  force: boolean;
  sentVersion: string;
  sentNonce: string;
  /** The cache changed for this type since it was last looked at. */
  dirty: boolean;
  /** The cache view and the resources last sent: what this proxy has (or refused). */
  sentView: TypeSnapshot | null;
  sentResources: readonly PackedResource[];
  /** '*' or the sorted subscribed names: responses to equal selections share their encoding. */
  selection: string;
  sentAt: number;
  awaitingAck: boolean;
  /** The proxy has ACKed or NACKed the latest response. */
  answered: boolean;
  ackedVersion: string;
  lastNack: Nack | null;
}

/** LDS and CDS are wildcard when the first request names nothing (the legacy rule) or names '*'. */
const WILDCARD_TYPES: ReadonlySet<string> = new Set([TYPE_URLS.listener, TYPE_URLS.cluster]);

export class AdsStream {
  private readonly cache: SnapshotCache;
  /** Takes an encoded DiscoveryResponse. */
  private readonly send: (bytes: Buffer) => void;
  private readonly encoder: ResponseEncoder;
  private readonly debounceMs: number;
  private readonly ackTimeoutMs: number;
  private readonly onEvent: (e: StreamEvent) => void;
  private readonly types = new Map<ResourceTypeUrl, TypeState>();
  private node: Readonly<Record<string, unknown>> | null = null;
  private nonce = 0;
  /** Coalesces cache changes (debounceMs). */
  private debounce: NodeJS.Timeout | null = null;
  /** Wakes the queue when an unanswered response's ackTimeoutMs runs out. */
  private ackWait: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(cache: SnapshotCache, send: (bytes: Buffer) => void, options: StreamOptions = {}) {
    this.cache = cache;
    this.send = send;
    this.encoder = options.encoder ?? new ResponseEncoder();
    this.debounceMs = options.debounceMs ?? 100;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.onEvent = options.onEvent ?? (() => {});
  }

  /** The node id from the stream's first request ('' until it arrives or when it has none). */
  get nodeId(): string {
    return typeof this.node?.id === 'string' ? this.node.id : '';
  }

  get nodeInfo(): Readonly<Record<string, unknown>> | null {
    return this.node;
  }

  receive(req: DiscoveryRequest): void {
    if (this.closed) return;
    // Node identity comes from the first request that carries one (later ones may omit it).
    if (this.node === null && req.node !== undefined) this.node = req.node;
    const typeUrl = req.type_url;
    if (!isResourceType(typeUrl)) {
      this.onEvent({ kind: 'ignored', nodeId: this.nodeId, typeUrl, reason: `Weft's ADS server serves ${PUSH_ORDER.join(', ')}` });
      return;
    }
    const st = this.state(typeUrl);
    if (req.response_nonce !== '') {
      // A reply to an older response: the proxy will answer the newest one too (xDS: ignore it).
      if (req.response_nonce !== st.sentNonce) {
        this.onEvent({ kind: 'ignored', nodeId: this.nodeId, typeUrl, reason: `stale nonce ${req.response_nonce} (latest ${st.sentNonce})` });
        return;
      }
      st.awaitingAck = false;
      // Only the first reply to a response ACKs or NACKs it; later requests with the same nonce
      // (a subscription change after a NACK, say) must not turn a refused version into an ACK.
      if (!st.answered) {
        st.answered = true;
        if (req.error_detail !== undefined) {
          const nack: Nack = {
            nodeId: this.nodeId, typeUrl, rejectedVersion: st.sentVersion, keptVersion: req.version_info || st.ackedVersion,
            nonce: req.response_nonce, message: req.error_detail.message, at: new Date(),
          };
          st.lastNack = nack;
          this.onEvent({ kind: 'nack', nack });
        } else {
          st.ackedVersion = st.sentVersion;
          st.lastNack = null;
          this.onEvent({ kind: 'ack', nodeId: this.nodeId, typeUrl, version: st.sentVersion });
        }
      }
    } else {
      // A new request (first on the stream, or after a reconnect): answer it even if unchanged.
      st.force = true;
    }
    this.subscribe(st, typeUrl, req.resource_names);
    this.pump();
  }

  /** The cache changed for a type: push it after the debounce interval. */
  changed(typeUrl: ResourceTypeUrl): void {
    const st = this.types.get(typeUrl);
    if (this.closed || st === undefined || !st.requested) return;
    st.dirty = true;
    if (this.debounce === null) {
      this.debounce = setTimeout(() => {
        this.debounce = null;
        this.pump();
      }, this.debounceMs);
    }
  }

  close(): void {
    this.closed = true;
    if (this.debounce !== null) clearTimeout(this.debounce);
    if (this.ackWait !== null) clearTimeout(this.ackWait);
    this.debounce = null;
    this.ackWait = null;
  }

  status(): TypeStatus[] {
    return [...this.types].map(([typeUrl, st]) => ({
      typeUrl,
      subscribed: st.wildcard ? 'wildcard' : [...st.names].sort(),
      sentVersion: st.sentVersion,
      ackedVersion: st.ackedVersion,
      awaitingAck: st.awaitingAck,
      lastNack: st.lastNack,
    }));
  }

  private state(typeUrl: ResourceTypeUrl): TypeState {
    let st = this.types.get(typeUrl);
    if (st === undefined) {
      st = {
        requested: false, wildcard: false, names: new Set(), force: false, sentVersion: '', sentNonce: '',
        dirty: false, sentView: null, sentResources: [], selection: '', sentAt: 0, awaitingAck: false, answered: false, ackedVersion: '', lastNack: null,
      };
      this.types.set(typeUrl, st);
    }
    return st;
  }

  private subscribe(st: TypeState, typeUrl: ResourceTypeUrl, names: readonly string[]): void {
    const first = !st.requested;
    st.requested = true;
    const wildcard = WILDCARD_TYPES.has(typeUrl) && (names.includes('*') || (names.length === 0 && (first || st.wildcard)));
    // Names are stored as the cache's own strings where it has them: a thousand proxies watching
    // the same thousand clusters then hold one copy of each name, not a thousand.
    const view = this.cache.view(this.nodeId, typeUrl);
    const explicit = new Set(names.filter((n) => n !== '*').map((n) => view.resources.get(n)?.name ?? n));
    const same = wildcard === st.wildcard && explicit.size === st.names.size && [...explicit].every((n) => st.names.has(n));
    st.wildcard = wildcard;
    st.names = explicit;
    if (!same) {
      st.force = true;
      st.selection = wildcard ? '*' : createHash('sha256').update([...explicit].sort().join('\n')).digest('base64');
    }
  }

  /** Sends, in push order, the first type that needs sending, unless an earlier type awaits its ACK. */
  private pump(): void {
    if (this.closed) return;
    if (this.ackWait !== null) clearTimeout(this.ackWait);
    this.ackWait = null;
    const now = Date.now();
    for (const typeUrl of PUSH_ORDER) {
      const st = this.types.get(typeUrl);
      if (st === undefined || !st.requested) continue;
      if (st.awaitingAck) {
        if (now - st.sentAt < this.ackTimeoutMs) {
          this.wakeAt(st.sentAt + this.ackTimeoutMs - now);
          return;
        }
        st.awaitingAck = false; // the proxy did not answer in time; do not hold the rest back forever
      }
      if (!st.dirty && !st.force) continue;
      st.dirty = false;
      const view = this.cache.view(this.nodeId, typeUrl);
      // Unchanged content is not sent again — in particular not after a NACK, which the proxy
      // answers with its subscription unchanged: it would only refuse the same content again.
      if (!st.force && view === st.sentView) continue;
      const resources = st.wildcard ? [...view.resources.values()] : [...st.names].flatMap((n) => view.resources.get(n) ?? []);
      // The cache's version moves on changes to resources this proxy does not watch; what counts
      // is whether its own resources changed (the cache keeps unchanged ones as the same objects).
      const sent = st.sentResources;
      if (!st.force && resources.length === sent.length && resources.every((r, i) => r === sent[i])) {
        st.sentView = view;
        continue;
      }
      st.force = false;
      st.sentView = view;
      st.sentResources = resources;
      st.sentVersion = view.version;
      st.sentNonce = String(++this.nonce);
      st.sentAt = now;
      st.awaitingAck = true;
      st.answered = false;
      this.send(this.encoder.encode(typeUrl, view, st.selection, resources, st.sentNonce));
      this.onEvent({ kind: 'sent', nodeId: this.nodeId, typeUrl, version: view.version, resources: resources.length });
      // Later types wait for this one's ACK: the next request from the proxy pumps again.
      return;
    }
  }

  private wakeAt(ms: number): void {
    this.ackWait = setTimeout(() => {
      this.ackWait = null;
      this.pump();
    }, Math.max(1, ms));
  }
}
