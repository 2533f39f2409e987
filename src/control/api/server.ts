// The control plane's REST API (node:http: not a hot path): Kubernetes-style get / list /
// watch / put / delete per kind, and POST /apply for multi-document YAML or JSON with
// server-side validation and dry run. Errors are Kubernetes Status objects.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WeftError } from '../../core/errors.ts';
import { weftVersion } from '../../core/version.ts';
import {
  KINDS, loadResources, formatProblems, validateResource, parseDocuments, fieldPath, describeKey,
  parseLabelSelector, matchesLabels, MAX_INPUT_BYTES, type KindInfo, type Resource, type LabelSelector,
} from '../../api/index.ts';
import type { Store, WatchEvent, ApplyResult } from '../sources/store/index.ts';
import { meshSnapshot, diagnose, re2Checker } from '../model/index.ts';
import { CA_PATH, caRoute, type CaRotationApi } from './ca-routes.ts';
import { parsePath } from './paths.ts';
import { failure, fromError, invalid, type Status } from './status.ts';

export const DEFAULT_API_PORT = 15080;

/** A watch whose client stops reading is cut off once this much is buffered for it. */
const MAX_WATCH_BUFFER = 16 * 1024 * 1024;

export interface ApiServerOptions {
  readonly store: Store;
  readonly port: number;
  readonly address: string;
  /** One line per write (apply / delete), for the control plane's log. */
  readonly log?: (line: string) => void;
  /** GET /weft/v1/proxies: the xDS server's connected proxies and NACKs (404 without one). */
  readonly proxies?: () => unknown;
  /** GET /weft/v1/identity: the identity service's anchors, issuer and certificates (404 while it is off). */
  readonly identity?: () => unknown;
  /** GET /weft/v1/ca and POST /weft/v1/ca/rotate/…: the identity service's CA (404 without one). */
  readonly ca?: () => CaRotationApi | undefined;
}

export interface ApiServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message);
    this.status = status;
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function flag(v: string | null): boolean {
  return v !== null && ['1', 'true', 'All', 'all', ''].includes(v);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) {
      throw new HttpError(failure('RequestEntityTooLarge', `the request body is larger than ${MAX_INPUT_BYTES} bytes; split the input into several requests`));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listKind(info: KindInfo): string {
  return `${info.kind}List`;
}

/** The name the submitted text goes by in messages (the CLI sends the file name). */
function sourceName(req: IncomingMessage, fallback: string): string {
  const given = req.headers['x-weft-source'];
  const s = typeof given === 'string' ? given.replace(/[^\x20-\x7e]/g, '').slice(0, 256) : '';
  return s || fallback;
}

/**
 * The API has no authentication yet and listens on loopback, so a web page the operator opens
 * could send it writes (CSRF): a browser sends those with an Origin header, and without a
 * preflight only as form or text bodies. Both are refused; the CLI sends neither.
 */
function refuseCrossSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
    throw new HttpError(failure('Forbidden', `a write from the web origin ${origin} is refused: the REST API takes writes from the weft CLI and other non-browser clients only`));
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain' || type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    throw new HttpError(failure('UnsupportedMediaType', `a ${type} body is refused on writes; send application/json or application/yaml`));
  }
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store } = options;
  const log = options.log ?? (() => {});
  const watches = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://weft');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') refuseCrossSite(req);
    if (url.pathname === '/weft/v1/proxies' && options.proxies) {
      if (method !== 'GET') throw new HttpError(failure('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: GET)`));
      send(res, 200, options.proxies());
      return;
    }
    if (url.pathname === '/weft/v1/identity' && options.identity) {
      if (method !== 'GET') throw new HttpError(failure('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: GET)`));
      const view = options.identity();
      if (view === undefined) throw new HttpError(failure('NotFound', 'the identity service is off in this control plane (it is off with --in-memory: its CA and tokens need a data directory); start it with --data-dir DIR'));
      send(res, 200, view);
      return;
    }
    if (url.pathname === CA_PATH || url.pathname.startsWith(`${CA_PATH}/`)) {
      send(res, 200, await caRoute(req, url.pathname, options.ca?.()));
      return;
    }
    const target = parsePath(url.pathname);
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw new HttpError(failure('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: ${methods.join(', ')})`));
    };
    switch (target.type) {
      case 'healthz':
        allow('GET', 'HEAD');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
        return;
      case 'version':
        allow('GET');
        send(res, 200, { kind: 'Version', weft: weftVersion(), node: process.version });
        return;
      case 'discovery':
        allow('GET');
        send(res, 200, {
          kind: 'APIResourceList',
          resources: KINDS.map((k) => ({ kind: k.kind, group: k.group, version: k.version, name: k.plural, singularName: k.singular, namespaced: k.namespaced, shortNames: k.shortNames })),
        });
        return;
      case 'unknown':
        throw new HttpError(failure('NotFound', target.reason));
      case 'apply': {
        allow('POST');
        const source = sourceName(req, 'request body');
        const namespace = q.get('namespace') ?? undefined;
        const loaded = loadResources(await readBody(req), source, { namespace, regex: re2Checker });
        if (!loaded.ok) {
          const n = loaded.total;
          throw new HttpError(invalid(`${n} problem${n === 1 ? '' : 's'} in ${source}; nothing was applied:\n${formatProblems(loaded.problems, n)}`, loaded.problems));
        }
        const dryRun = flag(q.get('dryRun'));
        const results = await store.apply(loaded.resources, { dryRun });
        for (const r of results) {
          if (!dryRun && r.outcome !== 'unchanged') log(`apply ${describeKey({ kind: r.resource.kind, namespace: r.resource.metadata.namespace ?? '', name: r.resource.metadata.name })} ${r.outcome} (resourceVersion ${r.resource.metadata.resourceVersion})`);
        }
        const warnings = await warningsFor(results);
        send(res, 200, {
          apiVersion: 'weft.dev/v1alpha1',
          kind: 'ApplyResult',
          dryRun,
          items: results.map((r, i) => ({
            apiVersion: r.resource.apiVersion,
            kind: r.resource.kind,
            ...(r.resource.metadata.namespace !== undefined ? { namespace: r.resource.metadata.namespace } : {}),
            name: r.resource.metadata.name,
            outcome: r.outcome,
            resourceVersion: r.resource.metadata.resourceVersion,
            ...(warnings[i].length > 0 ? { warnings: warnings[i] } : {}),
          })),
        });
        return;
      }
      case 'collection': {
        allow('GET');
        const selector = { kind: target.info.kind, namespace: target.namespace };
        const labels = labelSelector(q.get('labelSelector'));
        if (flag(q.get('watch'))) {
          const rv = q.get('resourceVersion');
          const from = rv === null || rv === '' ? undefined : Number(rv);
          if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) throw new HttpError(failure('BadRequest', `resourceVersion must be a non-negative integer, got "${rv}"`));
          await streamWatch(req, res, selector, from, labels);
          return;
        }
        const list = await store.list(selector);
        const items = labels ? list.items.filter((r) => matchesLabels(labels, r.metadata.labels)) : list.items;
        send(res, 200, { apiVersion: target.info.apiVersion, kind: listKind(target.info), metadata: { resourceVersion: String(list.revision) }, items });
        return;
      }
      case 'object': {
        allow('GET', 'PUT', 'DELETE');
        const key = { kind: target.info.kind, namespace: target.namespace, name: target.name };
        if (method === 'GET') {
          const r = await store.get(key);
          if (!r) throw new HttpError(failure('NotFound', `${target.info.plural} "${target.name}" not found${target.namespace ? ` in namespace "${target.namespace}"` : ''}`, { name: target.name, kind: target.info.plural }));
          send(res, 200, r);
          return;
        }
        if (method === 'DELETE') {
          const rv = q.get('resourceVersion') ?? undefined;
          const dryRun = flag(q.get('dryRun'));
          const last = await store.delete(key, { resourceVersion: rv, dryRun });
          if (!dryRun) log(`delete ${describeKey(key)} (resourceVersion ${last.metadata.resourceVersion})`);
          send(res, 200, last);
          return;
        }
        const resource = parseOne(await readBody(req), sourceName(req, 'request body'), target.info, target.namespace, target.name);
        const dryRun = flag(q.get('dryRun'));
        const [result] = await store.apply([resource], { dryRun });
        if (!dryRun && result.outcome !== 'unchanged') log(`apply ${describeKey(key)} ${result.outcome} (resourceVersion ${result.resource.metadata.resourceVersion})`);
        send(res, result.outcome === 'created' ? 201 : 200, result.resource);
        return;
      }
    }
  }

  /**
   * What each applied resource still lacks in the mesh as it now stands (a dry run sees the
   * applied resources over the stored ones): `spec.parentRefs[0]: Service shop/x does not exist…`.
   */
  async function warningsFor(results: readonly ApplyResult[]): Promise<string[][]> {
    const key = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
    const state = new Map((await store.list()).items.map((r) => [key(r), r as Resource]));
    for (const r of results) state.set(key(r.resource), r.resource);
    const snapshot = meshSnapshot([...state.values()]);
    return results.map((r) => diagnose(snapshot, r.resource).map((d) => `${d.field}: ${d.message}`));
  }

  async function streamWatch(req: IncomingMessage, res: ServerResponse, selector: { kind: string; namespace?: string }, from: number | undefined, labels: LabelSelector | undefined): Promise<void> {
    let open = true;
    // Events may arrive before the headers are out (the backlog is delivered at once): hold them.
    let held: WatchEvent[] | undefined = [];
    const selected = labels ? selectedByLabels(labels, from === undefined) : (e: WatchEvent) => e;
    const write = (event: WatchEvent) => {
      if (!open) return;
      if (held) {
        held.push(event);
        return;
      }
      const e = selected(event);
      if (!e) return;
      res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
      if (res.writableLength > MAX_WATCH_BUFFER) {
        // The client stopped reading; it must re-list and watch again.
        res.end();
      }
    };
    const watch = await store.watch(selector, from, write); // WEFT_GONE throws before the stream starts
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
    const backlog = held;
    held = undefined;
    for (const e of backlog) write(e);
    watches.add(res);
    const stop = () => {
      open = false;
      watch.close();
      watches.delete(res);
    };
    res.once('close', stop);
    req.once('close', stop);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : fromError(err);
      if (status.code === 500) console.error('weft: REST API internal error:', err);
      if (res.headersSent) res.end();
      else send(res, status.code, status);
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WeftError('WEFT_IO', `the REST API cannot listen on ${options.address}:${options.port}: ${err.message}`, { cause: err })));
    server.listen(options.port, options.address, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.address,
    port: bound.port,
    close: () => new Promise<void>((resolve) => {
      for (const res of watches) res.end();
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests get a moment to finish; then whatever is left (a client still
      // holding an ended watch open) is cut.
      setTimeout(() => server.closeAllConnections(), 500).unref();
    }),
  };
}

function labelSelector(text: string | null): LabelSelector | undefined {
  if (text === null || text.trim() === '') return undefined;
  try {
    return parseLabelSelector(text);
  } catch (err) {
    throw new HttpError(failure('BadRequest', `labelSelector: ${(err as Error).message}`));
  }
}

/**
 * A watch through a label selector, as Kubernetes does it: an object that starts matching is
 * ADDED, one that stops matching is DELETED. Watching from a resourceVersion, whether an
 * object matched at that revision is unknown until it is seen, so a change that leaves it
 * unmatched is sent as DELETED (possibly for an object the client never had: harmless to an
 * informer, and it never leaves a stale object behind).
 */
function selectedByLabels(labels: LabelSelector, exact: boolean): (e: WatchEvent) => WatchEvent | undefined {
  const inside = new Set<string>();
  return (e) => {
    const key = `${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`;
    const was = inside.has(key);
    if (e.type !== 'DELETED' && matchesLabels(labels, e.object.metadata.labels)) {
      inside.add(key);
      const type = was ? 'MODIFIED' : exact || e.type === 'ADDED' ? 'ADDED' : e.type;
      return { ...e, type };
    }
    inside.delete(key);
    if (was || (!exact && e.type !== 'ADDED')) return { ...e, type: 'DELETED' };
    return undefined;
  };
}

/** A PUT body: exactly one resource of the path's kind, name and namespace. */
function parseOne(text: string, source: string, info: KindInfo, namespace: string, name: string): Resource {
  const parsed = parseDocuments(text, source);
  if (!parsed.ok) throw new HttpError(failure('BadRequest', parsed.errors.join('\n')));
  if (parsed.documents.length !== 1) throw new HttpError(failure('BadRequest', `PUT takes exactly one resource, got ${parsed.documents.length}; use POST /apply for several`));
  const doc = parsed.documents[0];
  const v = validateResource(doc.value, { defaultNamespace: namespace || undefined, regex: re2Checker });
  if (!v.ok) {
    const problems = v.issues.map((i) => ({ where: doc.locate(i.path), field: fieldPath(i.path), message: i.message }));
    throw new HttpError(invalid(`${info.kind} "${name}" is invalid:\n${formatProblems(problems, v.issues.length + v.dropped)}`, problems));
  }
  const r = v.resource;
  const mismatch =
    r.kind !== info.kind ? `the body is a ${r.kind}, the path names ${info.plural}` :
    r.metadata.name !== name ? `the body's metadata.name "${r.metadata.name}" does not match the path's "${name}"` :
    info.namespaced && r.metadata.namespace !== namespace ? `the body's metadata.namespace "${r.metadata.namespace}" does not match the path's "${namespace}"` :
    undefined;
  if (mismatch) throw new HttpError(failure('BadRequest', mismatch));
  return r;
}

