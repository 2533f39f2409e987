// The retry layer. To the exchange it is one upstream request; underneath it runs tries against
// the cluster, one at a time, and passes on the first outcome it will not retry. A response is
// judged on its head, before any byte of it reaches the client. Routes without a retry_policy
// never build one: their exchange talks to the endpoint's stream directly.
import type { Cluster } from '../../cluster/cluster.ts';
import type { Endpoint } from '../../cluster/endpoint.ts';
import type { AttemptResult } from '../../cluster/outlier-detection.ts';
import { Countdown, deadlineList, type CountdownOwner, type DeadlineList, type Timed } from '../deadlines.ts';
import type { HeaderList } from '../headers.ts';
import type { RequestHead, UpstreamFailure, UpstreamResponseHandler, UpstreamStream } from '../stream.ts';
import type { RetryPolicy, RetryReason } from './policy.ts';
import { keepReadBuffer } from '../h1/reads.ts';

/** What the exchange hears from the retry layer beyond an upstream's own events. */
export interface RetryClient extends UpstreamResponseHandler {
  /**
   * The try in flight failed and will be retried: its endpoint is done with this request.
   * `outcome` is what outlier detection should count against it (null: nothing, the request never reached it).
   */
  onTryEnd(outcome: AttemptResult | null): void;
  /** A retry begins on `endpoint`; false when the cluster's circuit breaker has no room for it. */
  onTryStart(endpoint: Endpoint): boolean;
}

export class RetryingRequest implements UpstreamStream, UpstreamResponseHandler, Timed, CountdownOwner {
  // Timed: the per-try timeout of the try in flight.
  deadlineAt = 0;
  deadlinePrev: Timed | null = null;
  deadlineNext: Timed | null = null;
  deadlineList: DeadlineList | null = null;
  /** Tries started, the first included: the access log's `attempts`. */
  attempts = 1;
  /** Envoy's flag for a retry that did not happen: URX (retries used up) or UO (budget spent); '' otherwise. */
  flag = '';
  private readonly policy: RetryPolicy;
  private readonly cluster: Cluster;
  private readonly head: RequestHead;
  private readonly client: RetryClient;
  private current: UpstreamStream | null = null;
  /** Hosts tried so far, for the previous-hosts predicate (null without it). */
  private readonly tried: Set<Endpoint> | null;
  /** The request body so far, for replay; null once it outgrew the buffer limit. */
  private body: Buffer[] | null = [];
  private bodyBytes = 0;
  private requestEnded = false;
  private trailers: HeaderList | null = null;
  /** The client has been handed a response head or a failure: no more retries. */
  private committed = false;
  private done = false;
  private holdsBudget = false;
  private backOff: Countdown | null = null;

  constructor(policy: RetryPolicy, cluster: Cluster, endpoint: Endpoint, head: RequestHead, client: RetryClient) {
    this.policy = policy;
    this.cluster = cluster;
    this.head = head;
    this.client = client;
    // A body announced larger than the buffer is never kept: the request is simply not retried.
    if (head.contentLength > policy.bufferLimitBytes) this.body = null;
    this.tried = policy.previousHosts ? new Set([endpoint]) : null;
    this.current = endpoint.request(head, this);
  }

  // ── UpstreamStream, towards the exchange ──

  get requestBytesSent(): boolean {
    return this.current?.requestBytesSent ?? false;
  }

  writeData(chunk: Buffer): boolean {
    const body = this.body;
    if (body !== null) {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes <= this.policy.bufferLimitBytes) {
        keepReadBuffer(); // kept for replay: the chunk may be a view of the downstream read buffer
        body.push(chunk);
      }
      else this.outgrowBuffer();
    }
    // Between tries the chunk is only kept: the buffer limit bounds what the client can push.
    return this.current === null ? true : this.current.writeData(chunk);
  }

  end(trailers: HeaderList | null): void {
    this.requestEnded = true;
    this.trailers = trailers;
    const stream = this.current;
    if (stream === null) return;
    stream.end(trailers);
    this.armPerTry();
  }

  abort(): void {
    this.settle();
    const stream = this.current;
    this.current = null;
    stream?.abort();
  }

  pauseResponse(): void {
    this.current?.pauseResponse();
  }

  resumeResponse(): void {
    this.current?.resumeResponse();
  }

  // ── UpstreamResponseHandler, from the try in flight ──

  onInterim(status: number, headers: HeaderList): void {
    this.client.onInterim(status, headers);
  }

  onHead(status: number, headers: HeaderList, endStream: boolean): void {
    if (!this.committed) {
      const reason = this.policy.forResponse(status, headers);
      if (reason !== null && this.retry(reason, true, status)) return;
      this.committed = true;
    }
    this.client.onHead(status, headers, endStream);
  }

  onData(chunk: Buffer): void {
    this.client.onData(chunk);
  }

  onEnd(trailers: HeaderList | null): void {
    this.settle();
    this.client.onEnd(trailers);
  }

  onError(failure: UpstreamFailure, detail: string): void {
    if (!this.committed) {
      const reason = this.policy.forFailure(failure);
      // A refused stream was not processed (RFC 9113 §8.7), whatever bytes went out.
      const reached = failure !== 'refused-stream' && (this.current?.requestBytesSent ?? false);
      if (reason !== null && this.retry(reason, reached, failure)) return;
    }
    this.current = null;
    this.fail(failure, detail);
  }

  onWritable(): void {
    this.client.onWritable();
  }

  // ── timers ──

  /** The per-try timeout. */
  onDeadline(): void {
    if (this.done) return;
    // Only an endpoint that had the request failed to answer it (not one it waited to connect to).
    const outcome = this.current?.requestBytesSent ? 'timeout' : null;
    if (!this.committed && this.policy.forFailure('timeout') !== null && this.retry('per-try-timeout', true, outcome)) return;
    const stream = this.current;
    this.current = null;
    stream?.abort();
    this.fail('timeout', `no complete response within the per_try_timeout of ${this.policy.perTryTimeoutMs} ms`);
  }

  /** The back-off before a retry is over: start the next try. */
  onCountdown(): void {
    if (this.done) return;
    try {
      this.startTry();
    } catch (err) {
      // Runs from a timer: nothing above it would answer the client.
      this.current = null;
      this.fail('reset-before-response', `the retry could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private startTry(): void {
    const endpoint = this.pickEndpoint();
    if (endpoint === null) return this.fail('no-healthy-upstream', 'no healthy endpoint is left for the retry');
    this.attempts++;
    this.tried?.add(endpoint);
    if (!this.client.onTryStart(endpoint)) return this.fail('overflow', "the cluster's max_requests is reached: no room for the retry");
    const stream = endpoint.request(this.head, this);
    this.current = stream;
    if (this.body !== null) for (const chunk of this.body) stream.writeData(chunk);
    if (this.requestEnded) {
      stream.end(this.trailers);
      this.armPerTry();
    } else {
      // The failed try may have paused the client (a write it could not take at once); the new
      // try on a warm connection may never signal 'writable', so resume the client now.
      this.client.onWritable();
    }
  }

  // ── decisions ──

  /** Starts a retry for `reason` if every rule allows one; false leaves the outcome to the caller. */
  private retry(reason: RetryReason, bytesReachedUpstream: boolean, outcome: AttemptResult | null): boolean {
    const policy = this.policy;
    if (this.body === null) return false;
    if (!policy.mayReplay(this.head.method, bytesReachedUpstream, reason)) return false;
    if (this.attempts > policy.numRetries) {
      this.flag = 'URX';
      return false;
    }
    // The budget holds a retry from its decision to its end; this try (if it was a retry) ends here.
    this.releaseBudget();
    if (!this.cluster.retryBudget.tryAcquire(reason)) {
      this.flag = 'UO';
      return false;
    }
    this.holdsBudget = true;
    this.deadlineList?.remove(this);
    const stream = this.current;
    this.current = null;
    stream?.abort();
    this.client.onTryEnd(outcome);
    (this.backOff ??= new Countdown(this)).start(policy.backOffMs(this.attempts, Math.random()));
    return true;
  }

  private pickEndpoint(): Endpoint | null {
    const exclude = this.tried ?? undefined;
    const ctx = exclude === undefined ? undefined : { exclude };
    let endpoint = this.cluster.pick(ctx);
    // A balancer that cannot honour `exclude` (e.g. RING_HASH picking at random) is asked again,
    // host_selection_retry_max_attempts in all (Envoy).
    for (let i = 1; exclude !== undefined && endpoint !== null && i < this.policy.hostSelectionMaxAttempts && exclude.has(endpoint); i++) {
      endpoint = this.cluster.pick(ctx);
    }
    return endpoint;
  }

  /** The body passed the buffer limit: no retry can replay it, and one waiting in back-off is abandoned. */
  private outgrowBuffer(): void {
    this.body = null;
    if (this.current === null && !this.done) {
      this.fail('reset-before-response', `the request body outgrew the ${this.policy.bufferLimitBytes}-byte retry buffer (per_request_buffer_limit_bytes) while a retry was waiting`);
    }
  }

  private fail(failure: UpstreamFailure, detail: string): void {
    this.settle();
    this.client.onError(failure, detail);
  }

  private armPerTry(): void {
    const ms = this.policy.perTryTimeoutMs;
    if (ms > 0 && !this.done) deadlineList(ms).add(this);
  }

  private settle(): void {
    this.committed = true;
    this.done = true;
    this.deadlineList?.remove(this);
    this.backOff?.stop();
    this.releaseBudget();
  }

  private releaseBudget(): void {
    if (!this.holdsBudget) return;
    this.holdsBudget = false;
    this.cluster.retryBudget.release();
  }
}
