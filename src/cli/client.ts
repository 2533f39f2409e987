// The CLI's side of the REST API: where the control plane is (--server, WEFT_SERVER, or the
// default port), and its Status errors turned into messages that say what to do.

import { WeftError } from '../core/errors.ts';
import { DEFAULT_API_PORT, pathOf, type Status } from '../control/index.ts';
import type { KindInfo, Resource } from '../api/index.ts';

export const DEFAULT_SERVER = `http://127.0.0.1:${DEFAULT_API_PORT}`;

export function serverUrl(flag: string | undefined): string {
  const raw = flag ?? process.env.WEFT_SERVER ?? DEFAULT_SERVER;
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    return new URL(withScheme).toString().replace(/\/$/, '');
  } catch {
    throw new WeftError('WEFT_USAGE', `--server / WEFT_SERVER "${raw}" is not a URL; use e.g. ${DEFAULT_SERVER}`);
  }
}

/** An answer the server refused, with the Status it sent. */
export class ServerError extends WeftError {
  readonly status: Status;
  constructor(status: Status) {
    const code = status.code === 404 ? 'WEFT_NOT_FOUND' : status.code === 409 ? 'WEFT_CONFLICT' : status.code === 410 ? 'WEFT_GONE' : status.code === 422 ? 'WEFT_CONFIG_INVALID' : status.code >= 500 ? 'WEFT_INTERNAL' : 'WEFT_USAGE';
    super(code, status.message);
    this.status = status;
  }
}

export class ApiClient {
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, body, headers: body === undefined ? headers : { 'content-type': 'application/yaml', ...headers } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new WeftError('WEFT_IO', `cannot reach the control plane at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message}): is \`weft control-plane\` running? Point the CLI at it with --server URL or WEFT_SERVER`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WeftError('WEFT_IO', `${this.base}${path} answered ${res.status} with something that is not JSON; is --server pointing at a Weft control plane?`);
    }
    if (!res.ok) {
      const status = json as Status;
      if (status?.kind === 'Status') throw new ServerError(status);
      throw new WeftError('WEFT_IO', `${this.base}${path} answered ${res.status}`);
    }
    return json;
  }

  get(info: KindInfo, namespace: string | undefined, name?: string, labelSelector?: string): Promise<unknown> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    return this.request('GET', `${pathOf(info, namespace, name)}${q}`);
  }

  /**
   * Follows `GET …?watch=1` from `resourceVersion`, calling `onEvent` per line, until the server
   * ends the stream (then resolves) or the connection fails (then rejects).
   */
  async watch(info: KindInfo, namespace: string | undefined, resourceVersion: string, labelSelector: string | undefined, onEvent: (e: WatchLine) => void): Promise<void> {
    const q = new URLSearchParams({ watch: '1', resourceVersion });
    if (labelSelector) q.set('labelSelector', labelSelector);
    const url = `${this.base}${pathOf(info, namespace)}?${q}`;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (err) {
      throw new WeftError('WEFT_IO', `cannot reach the control plane at ${this.base}: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok || !res.body) {
      const status = (await res.json().catch(() => undefined)) as Status | undefined;
      if (status?.kind === 'Status') throw new ServerError(status);
      throw new WeftError('WEFT_IO', `${url} answered ${res.status}`);
    }
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() !== '') onEvent(JSON.parse(line) as WatchLine);
      }
    }
  }

  delete(info: KindInfo, namespace: string | undefined, name: string, dryRun: boolean): Promise<Resource> {
    return this.request('DELETE', `${pathOf(info, namespace, name)}${dryRun ? '?dryRun=All' : ''}`) as Promise<Resource>;
  }

  apply(text: string, source: string, options: { dryRun: boolean; namespace?: string }): Promise<ApplyAnswer> {
    const q = new URLSearchParams();
    if (options.dryRun) q.set('dryRun', 'All');
    if (options.namespace) q.set('namespace', options.namespace);
    const qs = q.size > 0 ? `?${q}` : '';
    return this.request('POST', `/apply${qs}`, text, { 'x-weft-source': source }) as Promise<ApplyAnswer>;
  }
}

export interface WatchLine {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Resource;
}

export interface ApplyAnswer {
  readonly dryRun: boolean;
  readonly items: readonly { readonly kind: string; readonly namespace?: string; readonly name: string; readonly outcome: string; readonly warnings?: readonly string[] }[];
}
