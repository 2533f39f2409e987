// What `weft get` shows for each kind: NAME, the kind's own columns, AGE; `-o wide` adds more;
// `-A` puts NAMESPACE first. Cells summarise; `-o yaml` shows everything.

import type { KindInfo, Resource, ServiceSpec, WorkloadSpec, HTTPRouteSpec, GRPCRouteSpec, TrafficPolicySpec, MeshConfigSpec, AuthorizationPolicySpec } from '../../api/index.ts';
import { age } from './age.ts';
import { renderTable } from './table.ts';

interface Columns<S> {
  readonly header: readonly string[];
  readonly wide: readonly string[];
  cells(spec: S, r: Resource): readonly string[];
  wideCells(spec: S, r: Resource): readonly string[];
}

const NONE = '<none>';

function labels(map: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? NONE : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

type Parent = { readonly name: string; readonly port?: number; readonly namespace?: string };
function parents(refs: readonly Parent[]): string {
  return refs.map((p) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.port ? `:${p.port}` : ''}`).join(',');
}

type Backend = { readonly name: string; readonly port?: number; readonly weight?: number };
/** Per rule, its backends (`name:port`, `=weight` when the rule splits); rules separated by ';'. */
function backends(rules: readonly { readonly backendRefs?: readonly Backend[] }[]): string {
  const perRule = rules
    .map((r) => r.backendRefs ?? [])
    .filter((refs) => refs.length > 0)
    .map((refs) => refs.map((b) => `${b.name}${b.port ? `:${b.port}` : ''}${refs.length > 1 ? `=${b.weight ?? 1}` : ''}`).join(','));
  return perRule.length === 0 ? NONE : perRule.join(';');
}

function hostnames(list: readonly string[] | undefined): string {
  return list && list.length > 0 ? list.join(',') : '*';
}

const service: Columns<ServiceSpec> = {
  header: ['PORT(S)'],
  wide: ['TARGET-PORT(S)', 'SELECTOR'],
  cells: (s) => [s.ports.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',')],
  wideCells: (s) => [s.ports.map((p) => String(p.targetPort ?? p.port)).join(','), labels(s.selector)],
};

const workload: Columns<WorkloadSpec> = {
  header: ['ADDRESS', 'PORTS', 'SERVICE-ACCOUNT'],
  wide: ['LABELS'],
  cells: (s) => [s.address, (s.ports ?? []).map((p) => (p.name ? `${p.name}:${p.port}` : String(p.port))).join(',') || NONE, s.serviceAccount ?? 'default'],
  wideCells: (s, r) => [labels(r.metadata.labels)],
};

const httpRoute: Columns<HTTPRouteSpec> = {
  header: ['PARENTS', 'HOSTNAMES', 'RULES'],
  wide: ['BACKENDS'],
  cells: (s) => [parents(s.parentRefs), hostnames(s.hostnames), String(s.rules?.length ?? 0)],
  wideCells: (s) => [backends(s.rules ?? [])],
};

const grpcRoute: Columns<GRPCRouteSpec> = {
  header: ['PARENTS', 'HOSTNAMES', 'RULES'],
  wide: ['BACKENDS'],
  cells: (s) => [parents(s.parentRefs), hostnames(s.hostnames), String(s.rules?.length ?? 0)],
  wideCells: (s) => [backends(s.rules ?? [])],
};

const POLICY_SECTIONS = ['loadBalancer', 'connectionLimits', 'outlierDetection', 'retryBudget', 'timeouts', 'faultInjection', 'localRateLimit'] as const;

const trafficPolicy: Columns<TrafficPolicySpec> = {
  header: ['TARGETS', 'LOAD-BALANCER'],
  wide: ['POLICIES'],
  cells: (s) => [s.targetRefs.map((t) => `${t.kind.toLowerCase()}/${t.name}${t.sectionName ? `:${t.sectionName}` : ''}`).join(','), s.loadBalancer?.type ?? '-'],
  wideCells: (s) => [POLICY_SECTIONS.filter((k) => s[k] !== undefined).join(',') || NONE],
};

const meshConfig: Columns<MeshConfigSpec> = {
  header: ['TRUST-DOMAIN', 'MTLS', 'INBOUND'],
  wide: ['WORKLOAD-CERT-TTL'],
  cells: (s) => [s.trustDomain ?? 'cluster.local', s.mtls?.mode ?? 'PERMISSIVE', s.defaultInboundPolicy ?? 'allow'],
  wideCells: (s) => [s.certificates?.workloadTTL ?? '24h'],
};

const authorizationPolicy: Columns<AuthorizationPolicySpec> = {
  header: ['ACTION', 'TARGETS', 'RULES'],
  wide: [],
  cells: (s) => [
    s.action ?? 'ALLOW',
    s.targetRefs?.map((t) => `service/${t.name}`).join(',') ?? (s.selector ? Object.entries(s.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',') : '(namespace)'),
    String(s.rules?.length ?? 0),
  ],
  wideCells: () => [],
};

const BY_KIND: Readonly<Record<string, Columns<never>>> = {
  Service: service, Workload: workload, HTTPRoute: httpRoute, GRPCRoute: grpcRoute, TrafficPolicy: trafficPolicy, AuthorizationPolicy: authorizationPolicy, MeshConfig: meshConfig,
};

export interface TableOptions {
  readonly wide: boolean;
  readonly allNamespaces: boolean;
  readonly now: Date;
}

/** Header and rows for `items` (the cells, before padding). */
export function tableOf(info: KindInfo, items: readonly Resource[], options: TableOptions): { header: string[]; rows: string[][] } {
  const cols = BY_KIND[info.kind] as unknown as Columns<unknown>;
  const ns = options.allNamespaces && info.namespaced;
  const header = [...(ns ? ['NAMESPACE'] : []), 'NAME', ...cols.header, 'AGE', ...(options.wide ? cols.wide : [])];
  const rows = items.map((r) => [
    ...(ns ? [r.metadata.namespace ?? ''] : []),
    r.metadata.name,
    ...cols.cells(r.spec, r),
    age(r.metadata.creationTimestamp, options.now),
    ...(options.wide ? cols.wideCells(r.spec, r) : []),
  ]);
  return { header, rows };
}

export function renderResources(info: KindInfo, items: readonly Resource[], options: TableOptions): string {
  const { header, rows } = tableOf(info, items, options);
  return renderTable(header, rows);
}
