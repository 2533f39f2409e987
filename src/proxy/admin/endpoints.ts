// The admin endpoints as data: path, help line, whether it changes the proxy, and a handler
// from (target, query) to a reply. No HTTP here; server.ts does the transport.
import { PROMETHEUS_CONTENT_TYPE } from '../observe/index.ts';
import { clustersJson, clustersText, listenersJson, listenersText } from './envoy-format.ts';
import type { AdminTarget } from './target.ts';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  /** Runs once the response has been sent (quitquitquit must answer before it exits). */
  afterSend?: () => void;
}

export interface Endpoint {
  path: string;
  help: string;
  /** Envoy's rule: a state-changing endpoint accepts POST only, so a stray GET (a browser, a crawler) cannot trigger it. */
  mutates: boolean;
  handle(target: AdminTarget, query: URLSearchParams): Reply;
}

export function text(status: number, body: string): Reply {
  return { status, contentType: TEXT, body };
}

function json(value: object): Reply {
  return { status: 200, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n` };
}

/** `?format=json` or text (the default); anything else is a 400 rather than a silent fallback. */
function formatted(query: URLSearchParams, asText: () => string, asJson: () => object): Reply {
  const format = query.get('format') ?? 'text';
  if (format === 'json') return json(asJson());
  if (format === 'text') return text(200, asText());
  return text(400, `unsupported format ${JSON.stringify(format)}: use format=text or format=json\n`);
}

/** Rejects query parameters the endpoint does not implement instead of ignoring them. */
function unsupportedParams(query: URLSearchParams, supported: readonly string[]): Reply | undefined {
  const unknown = [...query.keys()].filter((k) => !supported.includes(k));
  if (unknown.length === 0) return undefined;
  const accepted = supported.length > 0 ? `supported: ${supported.join(', ')}` : 'it takes none';
  return text(400, `unsupported query parameter ${unknown.join(', ')}; ${accepted}\n`);
}

export const ENDPOINTS: readonly Endpoint[] = [
  {
    path: '/',
    help: 'this list of endpoints',
    mutates: false,
    handle: () => text(200, `admin commands are:\n${endpointList()}`),
  },
  {
    path: '/ready',
    help: 'server state: 200 LIVE, otherwise 503 with the state (DRAINING, PRE_INITIALIZING)',
    mutates: false,
    handle: (target) => {
      const state = target.state();
      return text(state === 'LIVE' ? 200 : 503, `${state}\n`);
    },
  },
  {
    path: '/stats/prometheus',
    help: 'metrics in Prometheus text format 0.0.4',
    mutates: false,
    handle: (target) => ({ status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: target.metrics() }),
  },
  {
    path: '/config_dump',
    help: 'the current configuration (envoy.admin.v3.ConfigDump JSON)',
    mutates: false,
    // Envoy's include_eds is accepted (the engine decides what the dump holds); the filters
    // resource, mask and name_regex are not implemented and say so.
    handle: (target, query) => unsupportedParams(query, ['include_eds']) ?? json(target.configDump()),
  },
  {
    path: '/clusters',
    help: 'upstream clusters and endpoint health and stats (?format=json)',
    mutates: false,
    handle: (target, query) =>
      unsupportedParams(query, ['format']) ??
      formatted(query, () => clustersText(target.clusters()), () => clustersJson(target.clusters())),
  },
  {
    path: '/listeners',
    help: 'listeners and their addresses (?format=json)',
    mutates: false,
    handle: (target, query) =>
      unsupportedParams(query, ['format']) ??
      formatted(query, () => listenersText(target.listeners()), () => listenersJson(target.listeners())),
  },
  {
    path: '/certs',
    help: 'the certificates of every TLS context: serial, SANs, validity (admin.v3.Certificates JSON)',
    mutates: false,
    handle: (target, query) => unsupportedParams(query, []) ?? json(target.certs()),
  },
  {
    path: '/quitquitquit',
    help: 'exit the proxy (POST)',
    mutates: true,
    handle: (target, query) => unsupportedParams(query, []) ?? { ...text(200, 'OK\n'), afterSend: () => target.quit() },
  },
  {
    path: '/drain_listeners',
    help: 'drain listeners (POST; ?graceful waits for the drain period, ?inboundonly keeps outbound)',
    mutates: true,
    handle: (target, query) => {
      const bad = unsupportedParams(query, ['graceful', 'inboundonly']);
      if (bad) return bad;
      target.drainListeners({ graceful: query.has('graceful'), inboundOnly: query.has('inboundonly') });
      return text(200, 'OK\n');
    },
  },
];

export function endpointList(): string {
  const width = Math.max(...ENDPOINTS.map((e) => e.path.length));
  return ENDPOINTS.map((e) => `  ${e.mutates ? 'POST' : 'GET '} ${e.path.padEnd(width)}  ${e.help}\n`).join('');
}
