// envoy.filters.http.fault: delays and aborts, fixed or header-controlled, for a share of requests
// (Envoy's FaultFilter). One FaultConfig per HTTPFault (listener level or per route); one
// RouteFault per route it serves, with that route's counters pre-bound.
import { durationMs, type HTTPFault } from '../../../xds/envoy/index.ts';
import type { CounterHandle } from '../../observe/metrics.ts';
import { getHeader } from '../headers.ts';
import { allOf, compileHeaderMatcher, type ViewPredicate } from '../route/header-matcher.ts';
import { RequestView } from '../route/request-view.ts';
import { LOCAL_REPLIES } from '../local-reply.ts';
import { fractionOf, headerUint, sample, type Fraction } from './percent.ts';
import type { FilterDelay, FilterReply, RequestHead, RouteFilter, Verdict } from './types.ts';

/** Envoy's header names (x-envoy is Envoy's default header prefix). */
export const FAULT_HEADERS = {
  abort: 'x-envoy-fault-abort-request',
  abortGrpc: 'x-envoy-fault-abort-grpc-request',
  abortPercentage: 'x-envoy-fault-abort-request-percentage',
  delay: 'x-envoy-fault-delay-request',
  delayPercentage: 'x-envoy-fault-delay-request-percentage',
} as const;

/** Faults in progress on one listener's fault filter (Envoy's active_faults gauge), for max_active_faults. */
export interface ActiveFaults {
  count: number;
}

/** Counters of one route: weft_fault_injected_total{kind=abort|delay}. */
export interface FaultCounters {
  readonly aborts: CounterHandle;
  readonly delays: CounterHandle;
}

const FI = LOCAL_REPLIES.faultInjected;
const BODY = Buffer.from(FI.message);

function abortReply(status: number, grpcStatus: number): FilterReply {
  return { kind: 'reply', status, grpcStatus, forceGrpc: grpcStatus >= 0, code: FI.code, flag: FI.flag, body: BODY, addHeaders: null };
}

/** A header percentage can only lower the configured one (HeaderPercentageProvider). */
function headerFraction(configured: Fraction, value: string | undefined): Fraction {
  const n = headerUint(value);
  return n < 0 ? configured : { numerator: Math.min(n, configured.numerator), denominator: configured.denominator };
}

export class FaultConfig {
  private readonly match: ViewPredicate | null;
  private readonly view = new RequestView();
  /** Fixed delay in ms; -1 reads x-envoy-fault-delay-request; null: no delay fault. */
  private readonly delayMs: number | null;
  private readonly delayFraction: Fraction;
  private readonly abortKind: 'fixed' | 'header' | null;
  private readonly abortFraction: Fraction;
  private readonly fixedAbort: FilterReply | null;
  readonly maxActive: number;
  readonly active: ActiveFaults;

  /** `active` is the listener filter's: per-route configs share it, as they share Envoy's stats. */
  constructor(f: HTTPFault, active: ActiveFaults) {
    const headers = f.headers ?? [];
    this.match = allOf(headers.map(compileHeaderMatcher));
    const d = f.delay;
    this.delayMs = d === undefined ? null : d.fixed_delay !== undefined ? durationMs(d.fixed_delay) : -1;
    this.delayFraction = fractionOf(d?.percentage);
    const a = f.abort;
    this.abortKind = a === undefined ? null : a.header_abort !== undefined ? 'header' : 'fixed';
    this.abortFraction = fractionOf(a?.percentage);
    this.fixedAbort = a === undefined || a.header_abort !== undefined
      ? null
      : a.http_status !== undefined ? abortReply(a.http_status, -1) : abortReply(200, a.grpc_status ?? 0);
    this.maxActive = f.max_active_faults ?? Infinity;
    this.active = active;
  }

  bind(counters: FaultCounters): RouteFilter {
    return new RouteFault(this, counters);
  }

  matches(head: RequestHead): boolean {
    if (this.match === null) return true;
    const view = this.view;
    view.reset(head);
    const ok = this.match(view);
    view.reset(EMPTY_REQUEST);
    return ok;
  }

  /** The delay for this request in ms, or 0 for none (Envoy delays only for a duration > 0). */
  delayFor(head: RequestHead): number {
    const ms = this.delayMs;
    if (ms === null) return 0;
    if (ms >= 0) return sample(this.delayFraction) ? ms : 0;
    // The value first: most requests carry no fault header, and then one scan decides.
    const headers = head.headers;
    const asked = headerUint(getHeader(headers, FAULT_HEADERS.delay));
    if (asked <= 0) return 0;
    return sample(headerFraction(this.delayFraction, getHeader(headers, FAULT_HEADERS.delayPercentage))) ? asked : 0;
  }

  /** The abort for this request, or null. */
  abortFor(head: RequestHead): FilterReply | null {
    if (this.abortKind === null) return null;
    if (this.abortKind === 'fixed') return sample(this.abortFraction) ? this.fixedAbort : null;
    // An HTTP status in [200, 600) wins; otherwise a gRPC status; otherwise no abort.
    const headers = head.headers;
    const http = headerUint(getHeader(headers, FAULT_HEADERS.abort));
    const grpc = http >= 200 && http < 600 ? -1 : headerUint(getHeader(headers, FAULT_HEADERS.abortGrpc));
    if (grpc < 0 && !(http >= 200 && http < 600)) return null;
    if (!sample(headerFraction(this.abortFraction, getHeader(headers, FAULT_HEADERS.abortPercentage)))) return null;
    return grpc < 0 ? abortReply(http, -1) : abortReply(200, grpc);
  }

  /** Envoy's fuzzy circuit breaker on faults in progress. */
  overflowing(): boolean {
    return this.active.count >= this.maxActive;
  }
}

const EMPTY_REQUEST = { authority: '', method: '', path: '', headers: [] };

class RouteFault implements RouteFilter {
  readonly config: FaultConfig;
  readonly counters: FaultCounters;

  constructor(config: FaultConfig, counters: FaultCounters) {
    this.config = config;
    this.counters = counters;
  }

  onRequest(head: RequestHead): Verdict {
    const c = this.config;
    if (!c.matches(head)) return null;
    const ms = c.delayFor(head);
    if (ms > 0 && !c.overflowing()) {
      c.active.count++;
      this.counters.delays.inc();
      return new HeldFault(this, ms);
    }
    const abort = c.abortFor(head);
    if (abort === null || c.overflowing()) return null;
    this.counters.aborts.inc();
    return abort;
  }
}

/** A delay in progress; it holds one active fault until it ends. Allocated only for delayed requests. */
class HeldFault implements FilterDelay {
  readonly kind = 'delay';
  readonly flag = 'DI';
  readonly ms: number;
  private readonly fault: RouteFault;
  private released = false;

  constructor(fault: RouteFault, ms: number) {
    this.fault = fault;
    this.ms = ms;
  }

  resume(head: RequestHead): Verdict {
    this.release();
    // Delays can be followed by aborts; the delay's active fault covers the abort (Envoy).
    const abort = this.fault.config.abortFor(head);
    if (abort !== null) this.fault.counters.aborts.inc();
    return abort;
  }

  cancel(): void {
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.fault.config.active.count--;
  }
}
