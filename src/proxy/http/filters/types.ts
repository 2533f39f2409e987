// The HTTP filter contract: a filter is built once per listener / route configuration, bound once
// per route, and asked once per request — before the router — for a verdict on the request head.
import type { HeaderList } from '../headers.ts';
import type { DownstreamStream, RequestBodyHandler, RequestHead } from '../stream.ts';

/** The filter answers in place of the upstream (Envoy's sendLocalReply). Prebuilt where it can be. */
export interface FilterReply {
  readonly kind: 'reply';
  readonly status: number;
  /** The gRPC status a gRPC client gets; -1 maps it from `status` as Envoy does. */
  readonly grpcStatus: number;
  /** Answer gRPC trailers-only (HTTP 200) even when the request does not look like gRPC. */
  readonly forceGrpc: boolean;
  /** `x-weft-error` and the access log's weft_error. */
  readonly code: string;
  /** Envoy response flag, e.g. FI, RL. */
  readonly flag: string;
  /** Plain-text body, or grpc-message; shared by every reply of this kind. */
  readonly body: Buffer;
  /** The filter's own response headers (e.g. response_headers_to_add), or null. */
  readonly addHeaders: ((headers: HeaderList) => void) | null;
}

/** The filter holds the request for `ms` before the next filter (and the router) sees it. */
export interface FilterDelay {
  readonly kind: 'delay';
  readonly ms: number;
  /** Envoy response flag for the access log, e.g. DI. */
  readonly flag: string;
  /** The delay is over: the filter's second word (Envoy: a delay may be followed by an abort). */
  resume(head: RequestHead): Verdict;
  /** The request went away during the delay. */
  cancel(): void;
}

/** null: go on to the next filter. */
export type Verdict = FilterReply | FilterDelay | null;

/** One filter bound to one route (its config resolved, its counters pre-bound). */
export interface RouteFilter {
  onRequest(head: RequestHead, ds: DownstreamStream, host: FilterHost): Verdict;
}

/** What the exchange (the router) offers the filters that run before it. */
export interface FilterHost extends RequestBodyHandler {
  /** Continue into the router: route the request as matched. */
  forward(): void;
  respondLocally(status: number, body: Buffer, headers: HeaderList, flag: string, weftError: string): void;
  /** Adds an Envoy response flag (kept beside the router's own flag in the access log). */
  addFlag(flag: string): void;
  /** The RBAC policy that denied the request or matched a LOG rule (the access log's rbac_policy). */
  noteRbacPolicy(name: string): void;
  /** An exception escaped: answer 500 (or reset) rather than take the process down. */
  fail(err: unknown): void;
}

export type { DownstreamStream, RequestHead };
