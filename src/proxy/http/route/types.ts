// The router's contract with the rest of the proxy: what a request looks like to it, and what a
// compiled route table hands back. Pure data and functions; no I/O.

import type { HeaderList } from '../headers.ts';
import type { RetryPolicy } from '../retry/policy.ts';

export interface RouteRequest {
  readonly authority: string;
  readonly method: string;
  /** The raw request target in origin form, query included. */
  readonly path: string;
  readonly headers: HeaderList;
}

export interface Mirror {
  readonly cluster: string;
  /** Share of requests to mirror, in [0, 1]. */
  readonly fraction: number;
}

export interface RequestHashPolicy {
  /** The request's hash (uint32) for hash-based balancing, or undefined when no policy produced one. */
  hash(req: RouteRequest, sourceAddress: string): number | undefined;
}

export interface ForwardAction {
  readonly kind: 'forward';
  /** The cluster for this request; `random` is uniform in [0, 1). Constant for single-cluster routes. */
  pickCluster(random: number): string;
  /** Every cluster pickCluster can return (for pre-binding metrics, existence checks). */
  readonly clusters: readonly string[];
  /** Upstream timeout; 0 means none. */
  readonly timeoutMs: number;
  /** Route idle_timeout: the longest the request may go without a byte moving either way; 0 means none. */
  readonly idleTimeoutMs: number;
  /** max_stream_duration.max_stream_duration, from the start of the request; 0 means none. */
  readonly maxStreamDurationMs: number;
  /** How a gRPC request's grpc-timeout header is honoured (max_stream_duration.grpc_timeout_header_*). */
  readonly grpcTimeout: GrpcTimeoutPolicy;
  /** The route's (else the virtual host's) retry_policy; null when neither sets one. */
  readonly retry: RetryPolicy | null;
  /** prefix_rewrite / regex_rewrite applied to the request target; identity when neither is set. */
  rewritePath(path: string): string;
  readonly hostRewrite: string | null;
  readonly mirrors: readonly Mirror[];
  /** The route's hash_policy; null when it has none. */
  readonly hashPolicy: RequestHashPolicy | null;
}

export interface GrpcTimeoutPolicy {
  /** grpc_timeout_header_max; 0 means the header's value is used as it is. */
  readonly maxMs: number;
  /** grpc_timeout_header_offset, subtracted from the header's value. */
  readonly offsetMs: number;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly status: number;
  /** The Location header value; `scheme` is the request's scheme (http or https). */
  location(req: RouteRequest, scheme: string): string;
}

export interface DirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  /** Shared by every response of this route: write it, never modify it. */
  readonly body: Buffer;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

export interface CompiledRoute {
  /** Envoy's route name ('' when unnamed). */
  readonly name: string;
  readonly action: RouteAction;
  /**
   * Applies request header mutations in Envoy's order: the picked weighted cluster's own (pass the
   * name pickCluster returned), then route → virtual host → route configuration — or the reverse
   * of the last three with most_specific_header_mutations_wins. Later levels win.
   */
  mutateRequestHeaders(headers: HeaderList, cluster?: string): void;
  /** Same order as mutateRequestHeaders, for the response (also for redirects and direct responses). */
  mutateResponseHeaders(headers: HeaderList, cluster?: string): void;
}

export interface CompiledVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
}

export interface RouteMatch {
  readonly virtualHost: CompiledVirtualHost;
  readonly route: CompiledRoute;
}

export interface RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  /** The first matching route of the selected virtual host, or null (the caller answers 404). */
  match(req: RouteRequest): RouteMatch | null;
}
