// The bootstrap configuration reference (docs/config-reference.md), generated from the TypeBox schemas in
// src/xds/envoy so it cannot drift from what the loader accepts. Only the part between the markers is
// generated; the header and "Weft defaults and differences from Envoy" above it are written by hand.
//
//   node scripts/config-reference.ts            prints the generated part
//   node scripts/config-reference.ts --write    rewrites it in docs/config-reference.md

import { readFileSync, writeFileSync } from 'node:fs';
import * as envoy from '../src/xds/envoy/index.ts';
import { X, type OneOf } from '../src/xds/envoy/schema.ts';

export const DOC_PATH = new URL('../docs/config-reference.md', import.meta.url).pathname;
export const START = '<!-- generated:start -->';
export const END = '<!-- generated:end -->';
export const REGENERATE = 'node scripts/config-reference.ts --write';

/** A JSON-Schema node as TypeBox builds it, read through the annotation keywords of schema.ts. */
type Schema = Record<string, unknown> & { readonly properties?: Record<string, Schema> };

interface MessageInfo {
  readonly name: string;
  readonly schema: Schema;
  /** Where the message is used, as `Parent.field`, in discovery order. */
  readonly usedIn: { parent: string; field: string }[];
  /** Messages reachable through its accepted fields, in field order. */
  readonly children: string[];
}

export type Chapters = readonly { readonly title: string; readonly messages: readonly string[] }[];

/**
 * The reading order: chapters of messages. A reachable message missing from this list is placed right
 * after the first message that uses it, so new schemas still appear; a listed name that is no longer
 * reachable from Bootstrap is an error, so the list cannot go stale.
 */
const CHAPTERS: Chapters = [
  { title: 'Top level', messages: ['Bootstrap', 'Admin', 'Node', 'StaticResources'] },
  { title: 'Listeners', messages: ['Listener', 'FilterChain', 'NetworkFilter'] },
  {
    title: 'HTTP connection manager',
    messages: ['HttpConnectionManager', 'HttpFilter', 'Router', 'UpgradeConfig', 'HttpProtocolOptions', 'Http2ProtocolOptions'],
  },
  {
    title: 'Routing',
    messages: [
      'RouteConfiguration', 'VirtualHost', 'Route', 'RouteMatch', 'HeaderMatcher', 'QueryParameterMatcher', 'StringMatcher',
      'RegexMatcher', 'Int64Range', 'RouteAction', 'WeightedCluster', 'ClusterWeight', 'RequestMirrorPolicy',
      'RuntimeFractionalPercent', 'FractionalPercent', 'RegexMatchAndSubstitute', 'RedirectAction', 'DirectResponseAction',
      'DataSource', 'HeaderValueOption', 'HeaderValue',
    ],
  },
  { title: 'HTTP filters', messages: ['HTTPFault', 'FaultDelay', 'FaultAbort', 'LocalRateLimit', 'TokenBucket', 'HttpStatus', 'FilterConfig'] },
  {
    title: 'RBAC filter',
    messages: ['RBAC', 'RBACPerRoute', 'RbacRules', 'Policy', 'Permission', 'PermissionSet', 'PathMatcher', 'Principal', 'PrincipalSet', 'Authenticated', 'CidrRange'],
  },
  { title: 'Access logs', messages: ['AccessLog', 'StdoutAccessLog', 'FileAccessLog'] },
  { title: 'TCP proxy', messages: ['TcpProxy', 'TcpWeightedCluster', 'TcpClusterWeight'] },
  {
    title: 'Clusters and endpoints',
    messages: ['Cluster', 'ClusterLoadAssignment', 'LocalityLbEndpoints', 'LbEndpoint', 'Endpoint', 'UpstreamHttpProtocolOptions', 'Http1ProtocolOptions'],
  },
  {
    title: 'TLS (transport sockets, secrets, listener filters)',
    messages: [
      'ListenerFilter', 'TlsInspector', 'FilterChainMatch', 'DownstreamTransportSocket', 'DownstreamTlsContext', 'UpstreamTransportSocket',
      'UpstreamTlsContext', 'CommonTlsContext', 'TlsParameters', 'TlsCertificate', 'SdsSecretConfig', 'CertificateValidationContext',
      'SubjectAltNameMatcher', 'SpiffeCertValidatorConfig', 'Secret', 'TlsDataSource',
    ],
  },
  { title: 'Addresses', messages: ['Address', 'SocketAddress', 'Locality'] },
];

const UINT32_MAX = 4294967295;

const isMessage = (s: Schema): boolean => s.type === 'object' && s.properties !== undefined;
const isAny = (s: Schema): boolean => s[X.any] === true;
const isRefused = (s: Schema): boolean => s[X.refused] !== undefined;
const anyMembers = (s: Schema): Schema[] => (s.anyOf ?? []) as Schema[];
const typeUrlOf = (m: Schema): string => String(m.properties?.['@type']?.const ?? '');
const unsupportedOf = (s: Schema): Record<string, string> => (s[X.unsupported] ?? {}) as Record<string, string>;
const oneofsOf = (s: Schema): OneOf[] => (s[X.oneofs] ?? []) as OneOf[];

const pascal = (field: string): string => field.replace(/(^|[_.])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** The name of a message that is not exported: its Any type's, else `Parent.FieldName`. */
function inlineName(s: Schema, parent: string, field: string): string {
  const url = typeUrlOf(s);
  return url !== '' ? url.slice(url.lastIndexOf('.') + 1) : `${parent}.${pascal(field)}`;
}

/** The schemas a field's type refers to, looking through lists and Any unions. */
/** The value schema of a map (`Type.Record`), or undefined for a message or a Struct of any JSON. */
function mapValue(s: Schema): Schema | undefined {
  if (s.type !== 'object' || s.patternProperties === undefined) return undefined;
  const value = Object.values(s.patternProperties as Record<string, Schema>)[0];
  return value !== undefined && (isAny(value) || isMessage(value)) ? value : undefined;
}

function referencedMessages(s: Schema): Schema[] {
  if (s.type === 'array') return referencedMessages(s.items as Schema);
  const value = mapValue(s);
  if (value !== undefined) return referencedMessages(value);
  if (isAny(s)) return anyMembers(s);
  return isMessage(s) ? [s] : [];
}

/**
 * Every message reachable from `root` through accepted fields (refused ones are not documented as
 * usable). Messages are identified by their `properties` object, which TypeBox's Optional and
 * schema.ts's Refused share with the original; exported schemas keep their export name.
 */
function collectMessages(root: Schema, rootName: string): Map<string, MessageInfo> {
  const exported = new Map<object, string>();
  for (const [name, value] of Object.entries(envoy)) {
    const s = value as unknown as Schema;
    if (typeof s === 'object' && s !== null && isMessage(s) && X.unsupported in s) exported.set(s.properties!, name);
  }
  const byProps = new Map<object, MessageInfo>();
  const out = new Map<string, MessageInfo>();
  const visit = (s: Schema, name: string): MessageInfo => {
    const known = byProps.get(s.properties!);
    if (known) return known;
    const info: MessageInfo = { name, schema: s, usedIn: [], children: [] };
    if (out.has(name)) throw new Error(`config-reference: two different messages are both named ${name}`);
    byProps.set(s.properties!, info);
    out.set(name, info);
    for (const [field, fs] of Object.entries(s.properties!)) {
      if (isRefused(fs)) continue;
      for (const child of referencedMessages(fs)) {
        const childInfo = visit(child, exported.get(child.properties!) ?? inlineName(child, name, field));
        childInfo.usedIn.push({ parent: name, field });
        if (!info.children.includes(childInfo.name)) info.children.push(childInfo.name);
      }
    }
    return info;
  };
  visit(root, rootName);
  return out;
}

/** Chapters in reading order, each with its messages (see CHAPTERS). */
function readingOrder(messages: ReadonlyMap<string, MessageInfo>, order: Chapters): { title: string; messages: MessageInfo[] }[] {
  const listed = new Set(order.flatMap((c) => c.messages));
  const stale = [...listed].filter((n) => !messages.has(n));
  if (stale.length > 0) {
    const root = order[0].messages[0];
    throw new Error(`config-reference: ${stale.join(', ')} in CHAPTERS ${stale.length === 1 ? 'is' : 'are'} not reachable from ${root}; update scripts/config-reference.ts`);
  }
  const placed = new Set<string>();
  return order.map((c) => {
    const list: MessageInfo[] = [];
    const place = (name: string) => {
      if (placed.has(name)) return;
      placed.add(name);
      const info = messages.get(name)!;
      list.push(info);
      for (const child of info.children) if (!listed.has(child)) place(child);
    };
    c.messages.forEach(place);
    return { title: c.title, messages: list };
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

const code = (s: string | number | boolean): string => `\`${s}\``;
const link = (name: string): string => `[${name}](#${slug(name)})`;
/** A table cell: a `|` would end it, even inside a code span. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** Every reachable message has a name (collectMessages). */
const messageName = (s: Schema, names: ReadonlyMap<object, string>): string => names.get(s.properties!)!;

function typeCell(s: Schema, names: ReadonlyMap<object, string>): string {
  if (s.type === 'array') return `list of ${typeCell(s.items as Schema, names)}`;
  if (isAny(s)) return `Any: ${anyMembers(s).map((m) => link(messageName(m, names))).join(' or ')}`;
  if (isMessage(s)) return link(messageName(s, names));
  if (Array.isArray(s.enum)) {
    const refused = (s[X.unsupportedValues] ?? []) as string[];
    const values = (s.enum as string[]).filter((v) => !refused.includes(v)).map(code).join(', ');
    return refused.length === 0 ? `enum: ${values}` : `enum: ${values}; not supported yet: ${refused.map(code).join(', ')}`;
  }
  if ('const' in s) return code(JSON.stringify(s.const));
  if (s[X.duration] !== undefined) return 'Duration';
  if (s[X.bytes]) return 'bytes (base64)';
  const value = mapValue(s);
  if (value !== undefined) return `map of string to ${typeCell(value, names)}`;
  if (s.type === 'object' && s.patternProperties !== undefined) return 'Struct (any JSON object)';
  // schema.ts: UInt32 always carries bounds, Int64 none.
  if (s.type === 'integer') return s.minimum === undefined && s.maximum === undefined ? 'int64' : 'uint32';
  if (s.type === 'number') return 'number';
  if (s.type === 'boolean') return 'bool';
  if (s.type === 'string') return 'string';
  throw new Error(`config-reference: no rendering for schema ${JSON.stringify(s)}`);
}

function defaultCell(s: Schema): string {
  if (!('default' in s)) return '';
  const d = s.default as string | number | boolean;
  return Array.isArray(s.enum) || typeof d !== 'string' ? code(d) : code(JSON.stringify(d));
}

/** Value constraints the decoder enforces, in words. */
function constraints(s: Schema): string[] {
  const out: string[] = [];
  if (s.type === 'array') {
    if (s.minItems !== undefined) out.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
    if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
    const item = constraints(s.items as Schema);
    return [...out, ...(isMessage(s.items as Schema) || isAny(s.items as Schema) ? item : item.map((c) => `each ${c}`))];
  }
  if (s.type === 'string') {
    if (s.minLength === 1) out.push('non-empty');
    else if (s.minLength !== undefined) out.push(`at least ${s.minLength} characters`);
    if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
    if (s.pattern !== undefined) out.push(`must match ${code(String(s.pattern))}`);
    if ((s[X.duration] as { positive?: boolean } | undefined)?.positive) out.push('must be greater than 0s');
  }
  if (s.type === 'integer' || s.type === 'number') {
    const min = s.minimum as number | undefined;
    const max = s.maximum as number | undefined;
    const lo = min !== undefined && min !== 0;
    const hi = max !== undefined && max !== UINT32_MAX;
    if (lo && hi) out.push(`${min}–${max}`);
    else if (lo) out.push(`at least ${min}`);
    else if (hi) out.push(`at most ${max}`);
  }
  if (isAny(s)) out.push(`\`@type\`: ${anyMembers(s).map((m) => code(typeUrlOf(m))).join(' or ')}`);
  return out;
}

function oneofNote(field: string, s: Schema, supported: readonly string[]): string | undefined {
  for (const o of oneofsOf(s)) {
    if (!o.fields.includes(field)) continue;
    const usable = o.fields.filter((f) => supported.includes(f));
    if (usable.length < 2) return o.required ? 'required' : undefined;
    return `${o.required ? 'exactly' : 'at most'} one of ${usable.map(code).join(', ')}`;
  }
  return undefined;
}

function refusedList(s: Schema): string[] {
  const props = s.properties ?? {};
  const entries: [string, string][] = [
    ...Object.entries(props).filter(([, fs]) => isRefused(fs)).map(([f, fs]) => [f, String(fs[X.refused])] as [string, string]),
    ...Object.entries(unsupportedOf(s)),
  ];
  if (entries.length === 0) return [];
  const withHint = entries.filter(([, h]) => h !== '');
  const bare = entries.filter(([, h]) => h === '');
  const lines = ['Refused (Envoy fields Weft does not support yet):', ''];
  for (const [f, h] of withHint) lines.push(`- ${code(f)} — ${h}`);
  if (bare.length > 0) lines.push(`- ${withHint.length > 0 ? 'also ' : ''}${bare.map(([f]) => code(f)).join(', ')}`);
  return [...lines, ''];
}

function messageSection(info: MessageInfo, names: ReadonlyMap<object, string>, position: ReadonlyMap<string, number>): string[] {
  const s = info.schema;
  const props = s.properties!;
  const required = (s.required ?? []) as string[];
  const fields = Object.entries(props).filter(([, fs]) => !isRefused(fs));
  const supported = fields.map(([f]) => f);
  const lines = [`### ${info.name}`, ''];
  if (info.usedIn.length > 0) {
    const usedIn = info.usedIn.toSorted((a, b) => position.get(a.parent)! - position.get(b.parent)!);
    lines.push(`Used in: ${usedIn.map((u) => `[${code(`${u.parent}.${u.field}`)}](#${slug(u.parent)})`).join(', ')}.`, '');
  }
  if (fields.length === 0) {
    lines.push('No fields: write `{}`.', '');
  } else {
    lines.push('| Field | Type | Default | Notes |', '|---|---|---|---|');
    for (const [field, fs] of fields) {
      const notes = [
        ...(required.includes(field) ? ['required'] : []),
        ...(field === '@type' ? ['names this message in a `google.protobuf.Any`'] : []),
        ...[oneofNote(field, s, supported)].filter((n) => n !== undefined),
        ...constraints(fs),
      ];
      const unique = [...new Set(notes)];
      lines.push(`| ${[code(field), typeCell(fs, names), defaultCell(fs), unique.join('; ')].map(cell).join(' | ')} |`);
    }
    lines.push('');
  }
  return [...lines, ...refusedList(s)];
}

/**
 * The generated Markdown (what goes between the markers): every message reachable from `root`, which is
 * the first message of the first chapter.
 */
export function renderReference(root: object = envoy.Bootstrap, order: Chapters = CHAPTERS): string {
  const messages = collectMessages(root as Schema, order[0].messages[0]);
  const names = new Map<object, string>([...messages.values()].map((m) => [m.schema.properties!, m.name]));
  const chapters = readingOrder(messages, order);
  const position = new Map(chapters.flatMap((c) => c.messages).map((m, i) => [m.name, i]));
  const lines: string[] = ['## Messages', ''];
  for (const c of chapters) lines.push(`- ${c.title}: ${c.messages.map((m) => link(m.name)).join(', ')}`);
  lines.push('');
  for (const c of chapters) {
    lines.push(`## ${c.title}`, '');
    for (const m of c.messages) lines.push(...messageSection(m, names, position));
  }
  return lines.join('\n');
}

/** `doc` with the text between the markers replaced by `generated`; the hand-written rest is kept. */
export function spliceGenerated(doc: string, generated: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start || doc.indexOf(START, start + 1) >= 0 || doc.indexOf(END, end + 1) >= 0) {
    throw new Error(`config-reference: the document needs exactly one ${START} followed by one ${END}`);
  }
  return `${doc.slice(0, start + START.length)}\n\n${generated.trimEnd()}\n\n${doc.slice(end)}`;
}

if (import.meta.main) {
  const generated = renderReference();
  if (process.argv.includes('--write')) {
    const doc = readFileSync(DOC_PATH, 'utf8');
    const next = spliceGenerated(doc, generated);
    if (next !== doc) writeFileSync(DOC_PATH, next);
    console.error(`${DOC_PATH}: ${next === doc ? 'up to date' : 'updated'}`);
  } else {
    process.stdout.write(`${generated}\n`);
  }
}
