// Runs one route's filters on a request, in order, before the router: each may pass, answer
// locally, or hold the request for a delay. A held request keeps its place in the list and goes on
// from the next filter when the delay ends; body bytes that arrive meanwhile are kept (the stream
// is paused after each chunk) and handed to whoever reads the body next.
import type { HeaderList } from '../headers.ts';
import { delayQueue, type Delayed } from './delay-queue.ts';
import { sendFilterReply } from './reply.ts';
import type { DownstreamStream, FilterDelay, FilterHost, RequestHead, RouteFilter } from './types.ts';
import { keepReadBuffer } from '../h1/reads.ts';

/** Runs `filters` from `start`; true when the router should take the request now. */
export function runFilters(filters: readonly RouteFilter[], start: number, host: FilterHost, head: RequestHead, ds: DownstreamStream): boolean {
  for (let i = start; i < filters.length; i++) {
    const verdict = filters[i].onRequest(head, ds, host);
    if (verdict === null) continue;
    if (verdict.kind === 'reply') {
      sendFilterReply(host, head, verdict);
      return false;
    }
    hold(filters, i, verdict, host, head, ds);
    return false;
  }
  return true;
}

function hold(filters: readonly RouteFilter[], at: number, delay: FilterDelay, host: FilterHost, head: RequestHead, ds: DownstreamStream): void {
  host.addFlag(delay.flag);
  const held = new HeldRequest(filters, at, delay, host, head, ds);
  ds.bodyHandler = held;
  delayQueue.add(held, delay.ms);
}

/** The body handler of a request while a filter delays it. */
class HeldRequest implements Delayed {
  delayAt = 0;
  delayIndex = -1;
  private readonly filters: readonly RouteFilter[];
  private readonly at: number;
  private readonly delay: FilterDelay;
  private readonly host: FilterHost;
  private readonly head: RequestHead;
  private readonly ds: DownstreamStream;
  private chunks: Buffer[] | null = null;
  private ended = false;
  private trailers: HeaderList | null = null;

  constructor(filters: readonly RouteFilter[], at: number, delay: FilterDelay, host: FilterHost, head: RequestHead, ds: DownstreamStream) {
    this.filters = filters;
    this.at = at;
    this.delay = delay;
    this.host = host;
    this.head = head;
    this.ds = ds;
  }

  onRequestData(chunk: Buffer): void {
    keepReadBuffer(); // held through the delay: the chunk may be a view of the downstream read buffer
    (this.chunks ??= []).push(chunk);
    // Envoy buffers up to its limit, then pushes back; pausing at once bounds what is held to
    // what the codec has already read.
    this.ds.pauseBody();
  }

  onRequestEnd(trailers: HeaderList | null): void {
    this.ended = true;
    this.trailers = trailers;
  }

  onDownstreamAbort(): void {
    this.drop();
    this.host.onDownstreamAbort();
  }

  onRequestError(status: number, code: string, message: string): void {
    this.drop();
    this.host.onRequestError(status, code, message);
  }

  onResponseWritable(): void {}

  onDelayEnd(): void {
    const { host, head, ds } = this;
    ds.bodyHandler = host;
    try {
      const verdict = this.delay.resume(head);
      let forward = false;
      if (verdict === null) forward = runFilters(this.filters, this.at + 1, host, head, ds);
      else if (verdict.kind === 'reply') sendFilterReply(host, head, verdict);
      else hold(this.filters, this.at, verdict, host, head, ds);
      if (forward) host.forward();
    } catch (err) {
      host.fail(err);
    }
    this.replay();
  }

  /** Hands the kept body to the exchange (or whatever reads the body now); resumed first so its own pause sticks. */
  private replay(): void {
    const chunks = this.chunks;
    this.chunks = null;
    if (chunks !== null) this.ds.resumeBody();
    const next = this.ds.bodyHandler;
    if (next === null || next === this) return;
    if (chunks !== null) for (const c of chunks) next.onRequestData(c);
    if (this.ended) next.onRequestEnd(this.trailers);
  }

  private drop(): void {
    delayQueue.remove(this);
    this.delay.cancel();
    this.ds.bodyHandler = this.host;
    this.chunks = null;
  }
}
