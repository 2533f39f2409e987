// One request/response exchange: route it, forward it to an endpoint, stream the response
// back, and account for it. It is the router filter of Envoy's HCM, in one object per request.
// Its upstream is the endpoint's own stream, or — for a route with a retry_policy — the retry
// layer (retry/retrying-request.ts), which runs the tries and tells the exchange which one answered.
import { getHeader, removeHeader, type HeaderList } from './headers.ts';
import { stripHopByHop, stampForwarding } from './hygiene.ts';
import { LOCAL_REPLIES, type LocalReply } from './local-reply.ts';
import type {
  DownstreamStream, RequestBodyHandler, RequestHead, UpstreamFailure, UpstreamResponseHandler, UpstreamStream,
} from './stream.ts';
import type { HttpConnectionManager } from './connection-manager.ts';
import type { FilterHost } from './filters/index.ts';
import type { CompiledRoute, ForwardAction } from './route/index.ts';
import type { Endpoint } from '../cluster/endpoint.ts';
import type { AttemptResult } from '../cluster/outlier-detection.ts';
import { tunnel } from '../listen/tunnel.ts';
import { Countdown, deadlineList, type CountdownOwner, type DeadlineList, type Timed } from './deadlines.ts';
import { grpcTimeoutMs } from './grpc-timeout.ts';
import type { NormalizedPath } from './path-normalize.ts';
import { isGrpcRequest } from './filters/reply.ts';
import { RetryingRequest, type RetryClient } from './retry/retrying-request.ts';
import type { Socket } from 'node:net';

const FAILURE_REPLY: Record<UpstreamFailure, LocalReply> = {
  'connect-failure': LOCAL_REPLIES.connectFailure,
  'connect-timeout': LOCAL_REPLIES.connectTimeout,
  'reset-before-response': LOCAL_REPLIES.upstreamReset,
  'reset-during-response': LOCAL_REPLIES.upstreamReset,
  'protocol-error': LOCAL_REPLIES.upstreamProtocolError,
  overflow: LOCAL_REPLIES.upstreamOverflow,
  'refused-stream': LOCAL_REPLIES.upstreamReset,
  timeout: LOCAL_REPLIES.upstreamTimeout,
  'no-healthy-upstream': LOCAL_REPLIES.noHealthyUpstream,
};

/** Discards a request body the proxy will not forward (the response was local). */
const DISCARD: RequestBodyHandler = { onRequestData() {}, onRequestEnd() {}, onDownstreamAbort() {}, onRequestError() {}, onResponseWritable() {} };

export function serveRequest(ds: DownstreamStream, head: RequestHead, hcm: HttpConnectionManager): void {
  const exchange = new Exchange(ds, head, hcm);
  try {
    exchange.run();
  } catch (err) {
    exchange.fail(err);
  }
}

class Exchange implements FilterHost, RetryClient, Timed, CountdownOwner {
  private readonly ds: DownstreamStream;
  private readonly head: RequestHead;
  private readonly hcm: HttpConnectionManager;
  private readonly start = performance.now();
  private readonly startEpoch = Date.now();
  private route: CompiledRoute | null = null;
  private clusterName = '';
  private endpoint: Endpoint | null = null;
  private upstream: UpstreamStream | null = null;
  private mirrors: UpstreamStream[] | null = null;
  /** The retry layer, when the route has a retry_policy (it is then also `upstream`). */
  private retries: RetryingRequest | null = null;
  /** Route idle_timeout and max_stream_duration / grpc-timeout: made only for routes that use them. */
  private idleTimer: Countdown | null = null;
  private durationTimer: Countdown | null = null;
  private idleTimeoutMs = 0;
  // Timed: the route timeout's place in its deadline list.
  deadlineAt = 0;
  deadlinePrev: Timed | null = null;
  deadlineNext: Timed | null = null;
  deadlineList: DeadlineList | null = null;
  /** Route timeout; it runs from the end of the request to the end of the response, as in Envoy. */
  private timeoutMs = 0;
  private requestId = '';
  private requestDone = false;
  private responseStarted = false;
  private finished = false;
  private status = 0;
  private flag = '-';
  /** Flags set by HTTP filters (e.g. DI), logged before the router's own. */
  private filterFlags = '';
  private weftError = '';
  private rbacPolicy = '';
  private bytesReceived = 0;
  private bytesSent = 0;
  private upstreamStart = 0;
  private upstreamHeadAt = -1;
  /**
   * The request body is paused for the upstream's backpressure. Only that upstream's 'drain'
   * resumes it, and an upstream that dies never drains: the pause must end with the exchange,
   * or an HTTP/1.1 keep-alive connection never reads its next request.
   */
  private bodyPaused = false;

  constructor(ds: DownstreamStream, head: RequestHead, hcm: HttpConnectionManager) {
    this.ds = ds;
    this.head = head;
    this.hcm = hcm;
  }

  run(): void {
    const head = this.head;
    const { teTrailers } = stripHopByHop(head.headers, false);
    if (teTrailers) head.headers.push('te', 'trailers');
    this.requestId = stampForwarding(head.headers, {
      remoteAddress: this.ds.remoteAddress,
      scheme: head.scheme,
      generateRequestId: this.hcm.generateRequestId,
      skipXffAppend: this.hcm.skipXffAppend,
    });
    // Normalized once, before routing and filters: what RBAC checks is what is forwarded (A4).
    const normalize = this.hcm.normalizePath;
    if (normalize !== null && !this.normalize(normalize(head.path))) return;
    const match = this.hcm.routes.match(head);
    this.route = match === null ? null : match.route;
    // HTTP filters (fault, local rate limit) run before the router; with none configured, one check.
    const filters = this.hcm.filters;
    if (filters === null || filters.run(this, head, this.ds, this.route)) this.forward();
  }

  /** Applies the HCM's path normalization; false when the request was answered (400 or redirect). */
  private normalize(n: NormalizedPath): boolean {
    if (typeof n === 'string') {
      this.head.path = n;
      return true;
    }
    if (n.kind === 'reject' || isGrpcRequest(this.head.headers)) {
      // Envoy rejects instead of redirecting gRPC requests, which cannot follow a redirect.
      this.localReply(LOCAL_REPLIES.invalidPath, n.kind === 'reject' ? n.reason : 'the path holds an escaped slash (%2F or %5C)');
      return false;
    }
    this.respondLocally(307, EMPTY, ['location', n.location], '-', '');
    return false;
  }

  /** The router: answers the matched route, or forwards it upstream. Filters call it after a delay. */
  forward(): void {
    const head = this.head;
    const route = this.route;
    if (route === null) return this.localReply(LOCAL_REPLIES.noRoute);
    const action = route.action;
    if (action.kind === 'direct_response') {
      return this.respondLocally(action.status, action.body, ['content-type', 'text/plain'], '-', '');
    }
    if (action.kind === 'redirect') {
      const headers = ['location', action.location(head, head.scheme)];
      return this.respondLocally(action.status, EMPTY, headers, '-', '');
    }
    this.clusterName = action.pickCluster(Math.random());
    const cluster = this.hcm.clusters.get(this.clusterName);
    if (cluster === undefined) return this.localReply(LOCAL_REPLIES.clusterNotFound);
    if (head.upgrade !== null) {
      if (!this.hcm.upgrades.has(head.upgrade)) return this.localReply(LOCAL_REPLIES.upgradeNotAllowed);
      if (this.ds.protocol === 'HTTP/2' || cluster.spec.protocol === 'http2') return this.localReply(LOCAL_REPLIES.upgradeUnsupported);
    }
    const hash = cluster.usesHash ? action.hashPolicy?.hash(head, this.ds.remoteAddress) : undefined;
    const endpoint = cluster.pick(hash === undefined ? undefined : { hash });
    if (endpoint === null) return this.localReply(LOCAL_REPLIES.noHealthyUpstream);
    if (!endpoint.admit()) return this.localReply(LOCAL_REPLIES.upstreamOverflow);
    this.endpoint = endpoint;
    this.startStreamTimers(action);

    route.mutateRequestHeaders(head.headers, this.clusterName);
    const upstreamHead: RequestHead = {
      method: head.method,
      path: action.rewritePath(head.path),
      authority: action.hostRewrite ?? head.authority,
      scheme: head.scheme,
      headers: head.headers,
      contentLength: head.contentLength,
      upgrade: head.upgrade,
      expectContinue: false,
    };
    if (head.expectContinue) {
      // Envoy's default: the proxy answers 100-continue itself and does not forward Expect.
      removeHeader(head.headers, 'expect');
      this.ds.sendInterim(100, []);
    }
    if (action.mirrors.length > 0) this.startMirrors(action.mirrors, upstreamHead);
    this.upstreamStart = performance.now();
    this.timeoutMs = action.timeoutMs;
    this.ds.bodyHandler = this;
    const retry = action.retry;
    if (retry === null || head.upgrade !== null) this.upstream = endpoint.request(upstreamHead, this);
    else this.upstream = this.retries = new RetryingRequest(retry, cluster, endpoint, upstreamHead, this);
  }

  /** idle_timeout, max_stream_duration and a gRPC request's grpc-timeout: timers only for the requests that have them. */
  private startStreamTimers(action: ForwardAction): void {
    let durationMs = action.maxStreamDurationMs;
    // gRPC runs on HTTP/2: an HTTP/1 request skips the header scan.
    if (this.ds.protocol === 'HTTP/2') {
      const header = getHeader(this.head.headers, 'grpc-timeout');
      if (header !== undefined) {
        const grpcMs = grpcTimeoutMs(header, action.grpcTimeout);
        // Envoy: the header's value stands in for max_stream_duration; used up by the offset, it expires at once.
        if (grpcMs >= 0) durationMs = Math.max(grpcMs, 0.001);
      }
    }
    if (durationMs > 0) (this.durationTimer = new Countdown(this)).start(durationMs);
    if (action.idleTimeoutMs > 0) {
      this.idleTimeoutMs = action.idleTimeoutMs;
      (this.idleTimer = new Countdown(this)).start(action.idleTimeoutMs);
    }
  }

  // ── request body, from the downstream codec ──

  onRequestData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.idleTimer !== null) this.idleTimer.start(this.idleTimeoutMs);
    if (this.mirrors !== null) this.feedMirrors(chunk);
    if (this.upstream !== null && !this.upstream.writeData(chunk)) {
      this.bodyPaused = true;
      this.ds.pauseBody();
    }
  }

  /** A shadow that cannot keep up is dropped: mirrored traffic must never slow or bloat the real one. */
  private feedMirrors(chunk: Buffer): void {
    const mirrors = this.mirrors!;
    for (let i = mirrors.length - 1; i >= 0; i--) {
      if (!mirrors[i].writeData(chunk)) {
        mirrors[i].abort();
        mirrors.splice(i, 1);
      }
    }
  }

  /** An exception escaped routing or forwarding: answer 500 rather than take the process down. */
  fail(err: unknown): void {
    if (this.finished) return;
    const detail = err instanceof Error ? err.message : String(err);
    process.stderr.write(`weft proxy: request ${this.head.method} ${this.head.path} failed: ${detail}\n`);
    this.upstream?.abort();
    this.upstream = null;
    if (!this.responseStarted) return this.localReply(LOCAL_REPLIES.internalError, detail);
    this.flag = 'UPE';
    this.ds.reset();
    this.finish();
  }

  onRequestEnd(trailers: HeaderList | null): void {
    if (this.requestDone) return;
    this.requestDone = true;
    if (trailers !== null) stripHopByHop(trailers, false);
    if (this.mirrors !== null) for (const m of this.mirrors) m.end(trailers);
    if (this.upstream === null) return;
    this.upstream.end(trailers);
    if (this.timeoutMs > 0 && !this.finished) deadlineList(this.timeoutMs).add(this);
  }

  onDownstreamAbort(): void {
    if (this.finished) return;
    this.flag = 'DC';
    this.upstream?.abort();
    this.finish();
  }

  onRequestError(status: number, code: string, message: string): void {
    if (this.finished) return;
    this.upstream?.abort();
    this.upstream = null;
    this.requestDone = true;
    if (!this.responseStarted) {
      // Envoy's flag for a downstream protocol error.
      return this.respondLocally(status, Buffer.from(`${message}\n`), ['content-type', 'text/plain', 'x-weft-error', code], 'DPE', code);
    }
    this.flag = 'DPE';
    this.weftError = code;
    this.ds.reset();
    this.finish();
  }

  onResponseWritable(): void {
    // After finish the upstream connection may already serve another exchange.
    if (this.responseStarted && !this.finished) this.upstream?.resumeResponse();
  }

  // ── response, from the upstream pool ──

  onWritable(): void {
    this.bodyPaused = false;
    this.ds.resumeBody();
  }

  onInterim(): void {
    // 100 Continue was answered by the proxy itself (Envoy's default); other 1xx are dropped.
  }

  onHead(status: number, headers: HeaderList, endStream: boolean): void {
    if (this.finished) return;
    if (this.idleTimer !== null) this.idleTimer.start(this.idleTimeoutMs);
    this.responseStarted = true;
    this.upstreamHeadAt = performance.now();
    this.endpoint?.observeLatency(this.upstreamHeadAt - this.upstreamStart, this.upstreamHeadAt);
    this.status = status;
    this.endpoint?.outlier?.record(status);
    stripHopByHop(headers, true);
    this.route!.mutateResponseHeaders(headers, this.clusterName);
    if (this.hcm.draining && this.ds.protocol !== 'HTTP/2') headers.push('connection', 'close');
    this.ds.sendHead(status, headers, endStream);
  }

  onData(chunk: Buffer): void {
    this.bytesSent += chunk.length;
    if (this.idleTimer !== null) this.idleTimer.start(this.idleTimeoutMs);
    if (!this.ds.sendData(chunk)) this.upstream?.pauseResponse();
  }

  onEnd(trailers: HeaderList | null): void {
    if (this.finished) return;
    if (trailers !== null) stripHopByHop(trailers, false);
    this.ds.sendEnd(trailers);
    this.finish();
  }

  onUpgrade(socket: Socket, rest: Buffer, status: number, headers: HeaderList): void {
    this.responseStarted = true;
    this.status = status;
    this.upstreamHeadAt = performance.now();
    const upgrade = this.head.upgrade ?? '';
    stripHopByHop(headers, false);
    headers.push('connection', 'upgrade', 'upgrade', upgrade);
    this.ds.sendHead(status, headers, true);
    const client = this.ds.takeOverSocket!();
    this.clearTimer();
    this.endpoint!.outlier?.record(status);
    this.endpoint!.release();
    this.endpoint = null;
    tunnel(client.socket, socket, client.head, rest, (sent, received) => {
      this.bytesSent += sent;
      this.bytesReceived += received;
      this.finish();
    });
  }

  onError(failure: UpstreamFailure, detail: string): void {
    if (this.finished) return;
    if (this.endpoint) {
      this.endpoint.failedRequests++;
      if (!this.responseStarted) this.endpoint.outlier?.record(failure); // a failure after the head was recorded as its status
    }
    const reply = FAILURE_REPLY[failure];
    this.upstream = null;
    if (!this.responseStarted) return this.localReply(reply, detail);
    this.flag = failure === 'timeout' ? 'UT' : 'UC';
    this.weftError = reply.code;
    this.ds.reset();
    this.finish();
  }

  // ── from the retry layer ──

  onTryEnd(outcome: AttemptResult | null): void {
    const endpoint = this.endpoint;
    if (endpoint === null) return;
    endpoint.failedRequests++;
    if (outcome !== null) endpoint.outlier?.record(outcome);
    endpoint.release();
    this.endpoint = null;
  }

  onTryStart(endpoint: Endpoint): boolean {
    if (!endpoint.admit()) return false;
    this.endpoint = endpoint;
    this.upstreamStart = performance.now();
    return true;
  }

  // ── timeouts ──

  /** The route timeout. */
  onDeadline(): void {
    this.timeOut(LOCAL_REPLIES.upstreamTimeout);
  }

  /** idle_timeout or max_stream_duration / grpc-timeout. */
  onCountdown(countdown: Countdown): void {
    this.timeOut(countdown === this.idleTimer ? LOCAL_REPLIES.streamIdleTimeout : LOCAL_REPLIES.streamDurationTimeout);
  }

  private timeOut(reply: LocalReply): void {
    if (this.finished) return;
    // Only an endpoint that had the request failed to answer it (not one it waited to connect to).
    if (!this.responseStarted && this.upstream?.requestBytesSent) this.endpoint?.outlier?.record('timeout');
    this.upstream?.abort();
    this.upstream = null;
    if (!this.responseStarted) return this.localReply(reply);
    this.flag = reply.flag;
    this.weftError = reply.code;
    this.ds.reset();
    this.finish();
  }

  // ── endings ──

  private localReply(reply: LocalReply, detail?: string): void {
    const body = Buffer.from(detail ? `${reply.message}: ${detail}\n` : `${reply.message}\n`);
    this.respondLocally(reply.status, body, ['content-type', 'text/plain', 'x-weft-error', reply.code], reply.flag, reply.code);
  }

  respondLocally(status: number, body: Buffer, headers: HeaderList, flag: string, weftError: string): void {
    this.upstream?.abort();
    this.upstream = null;
    this.flag = flag;
    this.weftError = weftError;
    this.status = status;
    if (!this.requestDone) this.ds.bodyHandler = DISCARD;
    if (this.route !== null) this.route.mutateResponseHeaders(headers, this.clusterName || undefined);
    if (this.requestId !== '') headers.push('x-request-id', this.requestId);
    const bodyless = this.head.method === 'HEAD' || status === 204 || status === 304;
    if (status !== 204 && status !== 304) headers.push('content-length', String(body.length));
    // An HTTP/1.1 body not read to its end leaves the connection unframed: it closes after this
    // reply (h1-server.ts), and the client is told so instead of finding out on its next request.
    const unread = !this.requestDone && this.head.contentLength !== 0;
    if ((this.hcm.draining || unread) && this.ds.protocol !== 'HTTP/2') headers.push('connection', 'close');
    this.responseStarted = true;
    this.ds.sendHead(status, headers, bodyless || body.length === 0);
    if (!bodyless && body.length > 0) {
      this.bytesSent += body.length;
      this.ds.sendData(body);
      this.ds.sendEnd(null);
    }
    this.finish();
  }

  noteRbacPolicy(name: string): void {
    this.rbacPolicy = name;
  }

  addFlag(flag: string): void {
    this.filterFlags = this.filterFlags === '' ? flag : `${this.filterFlags},${flag}`;
  }

  private clearTimer(): void {
    this.deadlineList?.remove(this);
    if (this.idleTimer !== null) this.idleTimer.stop();
    if (this.durationTimer !== null) this.durationTimer.stop();
  }

  private startMirrors(mirrors: readonly { cluster: string; fraction: number }[], head: RequestHead): void {
    for (const mirror of mirrors) {
      if (Math.random() >= mirror.fraction) continue;
      const endpoint = this.hcm.clusters.get(mirror.cluster)?.pick();
      if (!endpoint) continue;
      // Envoy's convention: the shadow request's authority gets a "-shadow" suffix.
      const shadow: RequestHead = { ...head, authority: `${head.authority}-shadow`, headers: head.headers.slice() };
      const stream = endpoint.request(shadow, SHADOW_HANDLER);
      (this.mirrors ??= []).push(stream);
      if (head.contentLength === 0) stream.end(null);
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    if (this.bodyPaused) {
      this.bodyPaused = false;
      this.ds.resumeBody();
    }
    if (!this.requestDone) {
      // The response ended before the request did: neither stream can be reused or completed.
      this.upstream?.abort();
      if (this.mirrors !== null) for (const m of this.mirrors) m.abort();
    }
    if (this.endpoint !== null) this.endpoint.release();
    const now = performance.now();
    const seconds = (now - this.start) / 1000;
    const routeName = this.route?.name ?? '';
    let byCluster = this.hcm.requestMetrics.get(routeName);
    if (byCluster === undefined) this.hcm.requestMetrics.set(routeName, (byCluster = new Map()));
    let metrics = byCluster.get(this.clusterName);
    if (metrics === undefined) {
      metrics = this.hcm.metrics.requests(this.hcm.direction, this.clusterName, routeName);
      byCluster.set(this.clusterName, metrics);
    }
    metrics.record(this.status, seconds, undefined, this.hcm.tls);
    const retries = this.retries;
    if (retries !== null && retries.flag !== '') this.flag = this.flag === '-' ? retries.flag : `${this.flag},${retries.flag}`;
    const logs = this.hcm.accessLogs;
    if (logs.length === 0) return;
    const head = this.head;
    const record = {
      start_time: this.startEpoch,
      method: head.method,
      path: head.path,
      authority: head.authority,
      protocol: this.ds.protocol,
      response_code: this.status,
      response_flags: this.filterFlags === '' ? this.flag : this.flag === '-' ? this.filterFlags : `${this.filterFlags},${this.flag}`,
      weft_error: this.weftError,
      bytes_received: this.bytesReceived,
      bytes_sent: this.bytesSent,
      duration_ms: Math.round((now - this.start) * 1000) / 1000,
      upstream_service_time_ms: this.upstreamHeadAt < 0 ? -1 : Math.round((this.upstreamHeadAt - this.upstreamStart) * 1000) / 1000,
      upstream_host: this.endpoint?.address ?? '',
      upstream_cluster: this.clusterName,
      route_name: routeName,
      downstream_remote_address: this.ds.remoteAddress,
      downstream_peer_uri_san: this.ds.peerIdentity ?? '',
      x_forwarded_for: getHeader(head.headers, 'x-forwarded-for') ?? '',
      user_agent: getHeader(head.headers, 'user-agent') ?? '',
      request_id: this.requestId,
      rbac_policy: this.rbacPolicy,
      attempts: retries !== null ? retries.attempts : this.upstreamStart > 0 ? 1 : 0,
    };
    for (const log of logs) log.write(record);
  }
}

const EMPTY = Buffer.alloc(0);

/** Mirrored (shadow) traffic is fire-and-forget: its response is read and dropped. */
const SHADOW_HANDLER: UpstreamResponseHandler = {
  onInterim() {}, onHead() {}, onData() {}, onEnd() {}, onError() {}, onWritable() {},
};
