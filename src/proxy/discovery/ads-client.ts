// The proxy's ADS client: one bidirectional gRPC stream to the control plane, state of the world.
// Keeps per type the subscription, the last accepted version and the last nonce; hands each
// response to `onResponse` (which validates and applies it) and ACKs or NACKs by its verdict.
// When the stream ends it reconnects after a jittered exponential backoff and re-subscribes with
// the versions it has, while the proxy goes on serving the last good config.
import * as grpc from '@grpc/grpc-js';
import { Backoff, type BackoffOptions } from '../../core/index.ts';
import { TYPE_URLS } from '../../xds/envoy/index.ts';
import { ADS_METHOD, decodeResponse, encodeRequest, type AnyResource, type DiscoveryRequest } from '../../xds/proto/index.ts';

/** The order requests go out in after a (re)connect, as Envoy does. */
const SUBSCRIBE_ORDER: readonly string[] = [TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.listener, TYPE_URLS.routeConfiguration];

/** Larger responses end the stream (RESOURCE_EXHAUSTED) instead of being parsed (RELIABILITY.md D5). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface AdsClientOptions {
  /** `host:port` of the control plane (from the bootstrap's ADS cluster). */
  readonly target: string;
  readonly node: Readonly<Record<string, unknown>>;
  /** `set_node_on_first_message_only`: the node goes in the first request of a stream only (else in each). */
  readonly nodeOnFirstMessageOnly?: boolean;
  /** Validates and applies a response; resolves with null to ACK or with the reason to NACK. */
  readonly onResponse: (typeUrl: string, version: string, resources: readonly AnyResource[]) => Promise<string | null>;
  readonly log: (line: string) => void;
  readonly backoff?: BackoffOptions;
}

interface Subscription {
  /** Empty for a wildcard subscription (LDS / CDS). */
  names: readonly string[];
  version: string;
  nonce: string;
}

export class AdsClient {
  private readonly options: AdsClientOptions;
  private readonly client: grpc.Client;
  private readonly subs = new Map<string, Subscription>();
  private readonly backoff: Backoff;
  private call: grpc.ClientDuplexStream<Buffer, Buffer> | null = null;
  private nodeSent = false;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Responses are handled one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  connected = false;

  constructor(options: AdsClientOptions) {
    this.options = options;
    this.backoff = new Backoff({ initialMs: 250, maxMs: 30_000, ...options.backoff });
    this.client = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': MAX_RESPONSE_BYTES,
      // The stream is re-opened by this class with its own backoff; keep grpc-js's short.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5_000,
    });
  }

  /** Sets the names wanted for a type ([] = wildcard for LDS / CDS) and tells the server if that changed. */
  subscribe(typeUrl: string, names: readonly string[]): void {
    const sorted = [...new Set(names)].sort();
    const sub = this.subs.get(typeUrl);
    if (sub !== undefined && sub.names.length === sorted.length && sub.names.every((n, i) => n === sorted[i])) return;
    if (sub === undefined) this.subs.set(typeUrl, { names: sorted, version: '', nonce: '' });
    else sub.names = sorted;
    if (this.call !== null) this.request(typeUrl);
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.call?.cancel();
    this.call = null;
    this.client.close();
  }

  /** Last accepted version per type. */
  versions(): Map<string, string> {
    return new Map([...this.subs].map(([t, s]) => [t, s.version]));
  }

  private open(): void {
    if (this.stopped) return;
    this.nodeSent = false;
    for (const sub of this.subs.values()) sub.nonce = ''; // nonces belong to one stream
    const call = this.client.makeBidiStreamRequest(ADS_METHOD, (b: Buffer) => b, (b: Buffer) => b);
    this.call = call;
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      if (this.call === call) this.call = null;
      const wasConnected = this.connected;
      this.connected = false;
      if (this.stopped) return;
      const delay = Math.round(this.backoff.next());
      this.options.log(`ADS stream to ${this.options.target} ${wasConnected ? 'lost' : 'failed'} (${reason}); serving the current config meanwhile, retrying in ${delay} ms`);
      this.retry = setTimeout(() => {
        this.retry = null;
        this.open();
      }, delay);
      this.retry.unref();
    };
    call.on('data', (bytes: Buffer) => {
      if (!this.connected) {
        this.connected = true;
        this.backoff.reset();
      }
      this.queue = this.queue.then(() => this.handle(call, bytes)).catch((err: unknown) => {
        this.options.log(`ADS: could not handle a response: ${(err as Error).message}`);
      });
    });
    call.on('status', (s: grpc.StatusObject) => end(`${grpc.status[s.code] ?? s.code}: ${s.details}`));
    call.on('error', (err: Error) => end(err.message));
    for (const typeUrl of SUBSCRIBE_ORDER) if (this.subs.has(typeUrl)) this.request(typeUrl);
  }

  private async handle(call: grpc.ClientDuplexStream<Buffer, Buffer>, bytes: Buffer): Promise<void> {
    const r = decodeResponse(bytes);
    const sub = this.subs.get(r.type_url);
    if (sub === undefined) return; // a type we never asked for
    let error: string | null;
    try {
      error = await this.options.onResponse(r.type_url, r.version_info, r.resources);
    } catch (err) {
      error = `internal error applying the update: ${(err as Error).message}`;
    }
    if (call !== this.call) return; // the stream was replaced meanwhile; the new one re-subscribes
    sub.nonce = r.nonce;
    if (error === null) sub.version = r.version_info;
    this.request(r.type_url, error === null ? undefined : error);
  }

  /** Sends the type's current state: an ACK (nonce, accepted version), a NACK (with `error`), or a (re)subscription. */
  private request(typeUrl: string, error?: string): void {
    const sub = this.subs.get(typeUrl)!;
    const req: DiscoveryRequest = {
      version_info: sub.version,
      resource_names: sub.names,
      type_url: typeUrl,
      response_nonce: sub.nonce,
      ...(this.nodeSent && this.options.nodeOnFirstMessageOnly ? {} : { node: this.options.node }),
      // google.rpc.Code INVALID_ARGUMENT: the resources did not pass validation.
      ...(error !== undefined ? { error_detail: { code: 3, message: error } } : {}),
    };
    this.nodeSent = true;
    this.call?.write(encodeRequest(req));
  }
}
