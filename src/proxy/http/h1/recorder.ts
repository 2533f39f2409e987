// Test helper: runs bytes through an H1Parser and records its events as plain data, so runs can be compared with deepEqual.
import type { HeaderList } from '../headers.ts';
import { H1Parser, type H1Limits, type RequestHead, type ResponseHead } from './parser.ts';

export type H1Event =
  | readonly ['head', RequestHead | ResponseHead]
  | readonly ['data', string]
  | readonly ['trailers', HeaderList]
  | readonly ['complete']
  | readonly ['error', number, string];

export interface Recorded {
  readonly events: H1Event[];
  readonly parser: H1Parser<RequestHead> | H1Parser<ResponseHead>;
}

export interface RecordOptions {
  readonly limits?: Partial<H1Limits>;
  /** Response parser: the methods of the requests the responses answer, in order. */
  readonly methods?: readonly string[];
  /** Resume after each upgrade pause, as a caller does when the upstream refused the upgrade. */
  readonly resumeUpgrades?: boolean;
  /** Call finish() after the last chunk (the peer closed). */
  readonly finish?: boolean;
}

/**
 * Feeds `chunks` to a new parser. Consecutive data events are merged (their split depends on the chunking,
 * which is not part of the contract) and data is recorded as latin1 text.
 */
export function record(kind: 'request' | 'response', chunks: readonly Buffer[], options: RecordOptions = {}): Recorded {
  const events: H1Event[] = [];
  const handler = {
    onHead: (head: RequestHead | ResponseHead) => events.push(['head', head]),
    onData: (chunk: Buffer) => {
      const last = events[events.length - 1];
      if (last !== undefined && last[0] === 'data') events[events.length - 1] = ['data', last[1] + chunk.toString('latin1')];
      else events.push(['data', chunk.toString('latin1')]);
    },
    onTrailers: (trailers: HeaderList) => events.push(['trailers', trailers]),
    onComplete: () => {
      events.push(['complete']);
      if (options.resumeUpgrades === true) queueResume = true;
    },
    onError: (err: { status: number; reason: string }) => events.push(['error', err.status, err.reason]),
  };
  let queueResume = false;
  const parser = kind === 'request' ? H1Parser.requests(handler, options.limits) : H1Parser.responses(handler, options.limits);
  if (kind === 'response') for (const m of options.methods ?? []) (parser as H1Parser<ResponseHead>).expectResponseTo(m);
  const resumeIfUpgraded = (): void => {
    while (queueResume) {
      queueResume = false;
      if (parser.paused) parser.resume();
    }
  };
  for (const chunk of chunks) {
    parser.execute(chunk);
    resumeIfUpgraded();
  }
  if (options.finish === true) {
    parser.finish();
    resumeIfUpgraded();
  }
  return { events, parser };
}

/** Splits `bytes` at the given offsets (sorted, deduplicated, clamped). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = p;
  }
  if (prev < bytes.length) out.push(bytes.subarray(prev));
  return out;
}

/** Latin1 bytes of a string: tests write messages as text with explicit \r\n. */
export function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** The first error event of a run, or null. */
export function errorOf(events: readonly H1Event[]): { status: number; reason: string } | null {
  for (const e of events) if (e[0] === 'error') return { status: e[1], reason: e[2] };
  return null;
}
