// The proxy's Prometheus registry: pre-bound series handles for the request path, text output.
// prom-client spends 0.4–1.1 µs per labelled update resolving label sets; here a handle is bound
// once per (direction, destination, route) and a record() is a cached lookup plus two adds into a
// Float64Array. All string work (label escaping, formatting) happens at bind or scrape time.
import { readFileSync } from 'node:fs';
import { WeftError } from '../../core/index.ts';
import { familyHeader, isLabelName, isMetricName, renderLabels, sampleLine } from './exposition.ts';
import { RuntimeMetrics } from './runtime-metrics.ts';

/** This proxy's workload: the source_* labels of outbound traffic, destination_* of inbound. */
export interface ProxyIdentity {
  workload: string;
  namespace: string;
}

export type Direction = 'inbound' | 'outbound';

export interface RequestMetrics {
  record(responseCode: number, seconds: number, grpcStatus?: string, tls?: boolean): void;
}

export interface TcpMetrics {
  opened(): void;
  closed(): void;
  sent(bytes: number): void;
  received(bytes: number): void;
}

export interface CounterHandle {
  inc(n?: number): void;
}

export interface ProxyMetricsOptions {
  /** weft_build_info{version}; defaults to package.json's version. */
  version?: string;
  /** process_* and nodejs_* families; off in golden tests because they vary. Default true. */
  runtimeMetrics?: boolean;
}

export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const BOUNDS = Float64Array.from(DURATION_BUCKETS);
const NB = BOUNDS.length;
const LE = [...DURATION_BUCKETS.map(String), '+Inf'];
// One request series in one array: [0, NB) per-bucket counts (not cumulative), [NB] the
// overflow above the last bound, [NB + 1] the sum. The count (and weft_requests_total) is the
// total of [0, NB], so record() does two writes and render() does the cumulation.
const SUM = NB + 1;
const SERIES_LENGTH = NB + 2;

const TLS_LABEL = ['', 'false', 'true'] as const;

interface Series {
  readonly labels: string;
  readonly data: Float64Array;
}

class RequestHandle implements RequestMetrics {
  readonly #base: readonly (readonly [string, string])[];
  readonly #series: Series[];
  readonly #byKey = new Map<number | string, Float64Array>();
  // Most handles see one (code, grpc, tls) almost always: skip the Map for a repeat.
  #lastKey: number | string = -1;
  #last: Float64Array = new Float64Array(0);

  constructor(base: readonly (readonly [string, string])[], series: Series[]) {
    this.#base = base;
    this.#series = series;
  }

  record(responseCode: number, seconds: number, grpcStatus?: string, tls?: boolean): void {
    const t = tls === undefined ? 0 : tls ? 2 : 1;
    const g = grpcIndex(grpcStatus);
    // A small-integer key for the normal case; a string key for odd codes or gRPC statuses.
    const key = g >= 0 && (responseCode >>> 0) === responseCode && responseCode < 1000
      ? (responseCode * 18 + g) * 3 + t
      : `${responseCode}|${grpcStatus ?? ''}|${t}`;
    let data = this.#last;
    if (key !== this.#lastKey) {
      data = this.#byKey.get(key) ?? this.#create(key, responseCode, grpcStatus ?? '', t);
      this.#lastKey = key;
      this.#last = data;
    }
    if (!(seconds >= 0)) seconds = 0; // NaN or a negative clock step would poison _sum forever
    let i = 0;
    while (i < NB && seconds > BOUNDS[i]) i++;
    data[i]++;
    data[SUM] += seconds;
  }

  #create(key: number | string, code: number, grpc: string, t: number): Float64Array {
    const data = new Float64Array(SERIES_LENGTH);
    const labels = renderLabels([
      ...this.#base,
      ['response_code', String(code)],
      ['grpc_status', grpc],
      ['tls', TLS_LABEL[t]],
    ]);
    this.#series.push({ labels, data });
    this.#byKey.set(key, data);
    return data;
  }
}

/** '' → 0, '0'..'16' → 1..17, anything else → -1 (takes the string-key path). */
function grpcIndex(s: string | undefined): number {
  if (s === undefined || s.length === 0) return 0;
  const a = s.charCodeAt(0) - 48;
  if (s.length === 1) return a >= 0 && a <= 9 ? a + 1 : -1;
  if (s.length === 2 && a === 1) {
    const b = s.charCodeAt(1) - 48;
    return b >= 0 && b <= 6 ? 11 + b : -1;
  }
  return -1;
}

// TCP series: [opened, closed, sent, received].
const TCP_FAMILIES = [
  ['weft_tcp_connections_opened_total', 'TCP connections opened.'],
  ['weft_tcp_connections_closed_total', 'TCP connections closed.'],
  ['weft_tcp_sent_bytes_total', 'Bytes sent towards the destination over TCP.'],
  ['weft_tcp_received_bytes_total', 'Bytes received from the destination over TCP.'],
] as const;

class TcpHandle implements TcpMetrics {
  readonly data = new Float64Array(4);
  opened(): void {
    this.data[0]++;
  }
  closed(): void {
    this.data[1]++;
  }
  sent(bytes: number): void {
    if (bytes > 0) this.data[2] += bytes;
  }
  received(bytes: number): void {
    if (bytes > 0) this.data[3] += bytes;
  }
}

class Counter implements CounterHandle {
  value = 0;
  inc(n = 1): void {
    if (n > 0) this.value += n; // a counter only goes up; a negative step would read as a reset
  }
}

interface CustomFamily<T> {
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly series: Map<string, T>; // rendered labels → value holder
}

export class ProxyMetrics {
  readonly #identity: ProxyIdentity;
  readonly #version: string;
  readonly #runtime: RuntimeMetrics | undefined;
  readonly #requestSeries: Series[] = [];
  readonly #requests = new Map<string, RequestHandle>();
  readonly #tcp = new Map<string, { labels: string; handle: TcpHandle }>();
  readonly #counters = new Map<string, CustomFamily<Counter>>();
  readonly #gauges = new Map<string, CustomFamily<() => number>>();

  constructor(identity: ProxyIdentity, options: ProxyMetricsOptions = {}) {
    this.#identity = { workload: identity.workload, namespace: identity.namespace };
    this.#version = options.version ?? packageVersion();
    this.#runtime = options.runtimeMetrics === false ? undefined : new RuntimeMetrics();
  }

  /** Pre-bound handle for one (direction, destination service/cluster, route); the same handle for the same key. */
  requests(direction: Direction, destinationService: string, route: string): RequestMetrics {
    const key = `${direction}\0${destinationService}\0${route}`;
    let handle = this.#requests.get(key);
    if (handle === undefined) {
      handle = new RequestHandle([...this.#peerLabels(direction, destinationService), ['route', route]], this.#requestSeries);
      this.#requests.set(key, handle);
    }
    return handle;
  }

  /** Pre-bound TCP handle. `tls` is an addition to the agreed API: the tls label, '' when omitted. */
  tcp(direction: Direction, destinationService: string, tls?: boolean): TcpMetrics {
    const t = tls === undefined ? 0 : tls ? 2 : 1;
    const key = `${direction}\0${destinationService}\0${t}`;
    let entry = this.#tcp.get(key);
    if (entry === undefined) {
      const labels = renderLabels([...this.#peerLabels(direction, destinationService), ['tls', TLS_LABEL[t]]]);
      entry = { labels, handle: new TcpHandle() };
      this.#tcp.set(key, entry);
    }
    return entry.handle;
  }

  /** `weft_proxy_<name>_total{labels}`; the same handle for the same name and labels. */
  counter(name: string, help: string, labels: Record<string, string>): CounterHandle {
    return this.#counter(`weft_proxy_${name}_total`, help, labels);
  }

  /**
   * `weft_<name>_total{labels}`: a decision the mesh took on traffic (a fault injected, a request
   * rate limited…), under the name the docs list. Bind once at config time; inc() is one add.
   */
  decision(name: string, help: string, labels: Record<string, string>): CounterHandle {
    return this.#counter(`weft_${name}_total`, help, labels);
  }

  #counter(fullName: string, help: string, labels: Record<string, string>): CounterHandle {
    const family = this.#family(this.#counters, fullName, 'counter', help);
    const rendered = checkedLabels(labels);
    let counter = family.series.get(rendered);
    if (counter === undefined) {
      counter = new Counter();
      family.series.set(rendered, counter);
    }
    return counter;
  }

  /** `weft_proxy_<name>{labels}`, read at scrape time; registering the same series again replaces its reader. */
  gauge(name: string, help: string, labels: Record<string, string>, read: () => number): void {
    this.#family(this.#gauges, `weft_proxy_${name}`, 'gauge', help).series.set(checkedLabels(labels), read);
  }

  render(): string {
    const out: string[] = [];
    this.#renderRequests(out);
    this.#renderTcp(out);
    for (const [name, family] of this.#counters) {
      renderCustom(out, name, family, (c) => c.value);
    }
    for (const [name, family] of this.#gauges) {
      // A failing reader drops its sample instead of failing the whole scrape.
      renderCustom(out, name, family, (read) => {
        try {
          return read();
        } catch {
          return undefined;
        }
      });
    }
    this.#runtime?.render(out);
    out.push(
      familyHeader('weft_build_info', 'gauge', 'Weft build information; always 1.'),
      sampleLine('weft_build_info', renderLabels([['version', this.#version]]), 1),
    );
    return out.join('');
  }

  /** Stops the event-loop sampler (it never holds the process open; this is for tidiness). */
  close(): void {
    this.#runtime?.stop();
  }

  #peerLabels(direction: Direction, destinationService: string): [string, string][] {
    const self = this.#identity;
    const outbound = direction === 'outbound';
    return [
      ['direction', direction],
      ['source_workload', outbound ? self.workload : ''],
      ['source_namespace', outbound ? self.namespace : ''],
      ['destination_service', destinationService],
      ['destination_workload', outbound ? '' : self.workload],
      ['destination_namespace', outbound ? '' : self.namespace],
    ];
  }

  #family<T>(families: Map<string, CustomFamily<T>>, name: string, type: 'counter' | 'gauge', help: string): CustomFamily<T> {
    let family = families.get(name);
    if (family === undefined) {
      if (!isMetricName(name)) throw new WeftError('WEFT_INTERNAL', `invalid metric name ${JSON.stringify(name)}`);
      const other = type === 'counter' ? this.#gauges : this.#counters;
      if (other.has(name)) {
        throw new WeftError('WEFT_INTERNAL', `metric ${name} is already registered with another type`);
      }
      family = { type, help, series: new Map() };
      families.set(name, family);
    }
    return family;
  }

  #renderRequests(out: string[]): void {
    const series = this.#requestSeries;
    if (series.length === 0) return;
    out.push(familyHeader('weft_requests_total', 'counter', 'Requests completed by the proxy.'));
    for (const s of series) out.push(sampleLine('weft_requests_total', s.labels, total(s.data)));
    const h = 'weft_request_duration_seconds';
    out.push(familyHeader(h, 'histogram', 'Request duration as measured by the proxy, in seconds.'));
    for (const { labels, data } of series) {
      let cumulative = 0;
      for (let i = 0; i <= NB; i++) {
        cumulative += data[i];
        out.push(`${h}_bucket{${labels},le="${LE[i]}"} ${cumulative}\n`);
      }
      out.push(sampleLine(`${h}_sum`, labels, data[SUM]), sampleLine(`${h}_count`, labels, cumulative));
    }
  }

  #renderTcp(out: string[]): void {
    if (this.#tcp.size === 0) return;
    TCP_FAMILIES.forEach(([name, help], i) => {
      out.push(familyHeader(name, 'counter', help));
      for (const { labels, handle } of this.#tcp.values()) out.push(sampleLine(name, labels, handle.data[i]));
    });
  }
}

function total(data: Float64Array): number {
  let n = 0;
  for (let i = 0; i <= NB; i++) n += data[i];
  return n;
}

function renderCustom<T>(out: string[], name: string, family: CustomFamily<T>, value: (v: T) => number | undefined): void {
  out.push(familyHeader(name, family.type, family.help));
  for (const [labels, holder] of family.series) {
    const v = value(holder);
    if (v !== undefined) out.push(sampleLine(name, labels, v));
  }
}

/** Validated, sorted by name so `{a, b}` and `{b, a}` are one series. */
function checkedLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  for (const n of names) {
    if (!isLabelName(n)) throw new WeftError('WEFT_INTERNAL', `invalid label name ${JSON.stringify(n)}`);
  }
  return renderLabels(names.map((n) => [n, labels[n]] as const));
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
