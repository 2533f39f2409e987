// AuthorizationPolicies → the RBAC HTTP filters of a workload's inbound listener, as Istio builds
// them: one filter per action, in the order AUDIT (LOG), DENY, ALLOW, so a DENY match wins over any
// ALLOW and, with an ALLOW policy present, a request no ALLOW rule matches is denied. Pure: the
// caller (the model → xDS translation) says which workload, which policies and which mesh defaults.

import type { AuthorizationPolicySpec, AuthorizationRule, AuthorizationSource, Resource } from '../../api/index.ts';
import {
  TYPE_URLS, type Permission, type Policy, type Principal, type RBAC, type RbacAction, type StringMatcher,
} from '../../xds/envoy/index.ts';

export type DefaultInboundPolicy = 'allow' | 'authenticated' | 'deny';

/** The workload whose inbound listener is being built. */
export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the Services (in its namespace) that select it: targetRefs name these. */
  readonly services: readonly string[];
}

export interface InboundAuthzInput {
  readonly workload: AuthzWorkload;
  /** AuthorizationPolicies of the mesh (any namespace; those that do not apply are ignored). */
  readonly policies: readonly Resource<AuthorizationPolicySpec>[];
  /** MeshConfig.trustDomain: namespaces become SPIFFE ID prefixes in it. */
  readonly trustDomain: string;
  /** MeshConfig.defaultInboundPolicy: what holds when no ALLOW policy applies. */
  readonly defaultInboundPolicy: DefaultInboundPolicy;
}

/** One entry of HttpConnectionManager.http_filters, holding an RBAC filter. */
export interface RbacHttpFilter {
  readonly name: string;
  readonly typed_config: RBAC;
}

/** Names of the generated filters (the keys for typed_per_filter_config). */
export const AUTHZ_FILTER_NAMES = { AUDIT: 'weft.authz.audit', DENY: 'weft.authz.deny', ALLOW: 'weft.authz.allow' } as const;

/** The policy name the mesh default is enforced under (it shows in counters and the access log). */
export const DEFAULT_POLICY_NAME = 'mesh-default/authenticated';

/**
 * Whether `policy` protects `workload`: same namespace, and it targets one of the workload's
 * Services, or its selector matches the labels, or it has neither (the whole namespace, as in Istio).
 */
export function appliesTo(policy: Resource<AuthorizationPolicySpec>, workload: AuthzWorkload): boolean {
  if ((policy.metadata.namespace ?? '') !== workload.namespace) return false;
  const { targetRefs, selector } = policy.spec;
  if (targetRefs !== undefined) return targetRefs.some((t) => t.kind === 'Service' && workload.services.includes(t.name));
  if (selector !== undefined) return Object.entries(selector.matchLabels).every(([k, v]) => workload.labels[k] === v);
  return true;
}

const ACTION: Record<'ALLOW' | 'DENY' | 'AUDIT', RbacAction> = { ALLOW: 'ALLOW', DENY: 'DENY', AUDIT: 'LOG' };

/**
 * The inbound listener's RBAC filters (without the router): empty when nothing is enforced.
 * AUDIT → a LOG filter; DENY → a DENY filter; ALLOW → an ALLOW filter. When no ALLOW policy applies,
 * `defaultInboundPolicy` decides: `allow` adds nothing, `authenticated` an ALLOW filter for any
 * client certificate, `deny` an ALLOW filter without policies (everything not denied is denied).
 */
export function inboundRbacFilters(input: InboundAuthzInput): RbacHttpFilter[] {
  const applying = input.policies
    .filter((p) => appliesTo(p, input.workload))
    .sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
  const byAction: Record<RbacAction, Record<string, Policy>> = { ALLOW: {}, DENY: {}, LOG: {} };
  const hasAllow = applying.some((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  for (const p of applying) {
    const target = byAction[ACTION[p.spec.action ?? 'ALLOW']];
    (p.spec.rules ?? []).forEach((rule, i) => {
      target[`${policyKey(p)}[${i}]`] = rulePolicy(rule, input.trustDomain);
    });
  }
  const filters: RbacHttpFilter[] = [];
  if (Object.keys(byAction.LOG).length > 0) filters.push(rbacFilter(AUTHZ_FILTER_NAMES.AUDIT, 'LOG', byAction.LOG));
  if (Object.keys(byAction.DENY).length > 0) filters.push(rbacFilter(AUTHZ_FILTER_NAMES.DENY, 'DENY', byAction.DENY));
  if (hasAllow) {
    // An ALLOW policy without rules matches nothing: it still turns the workload into allow-listed.
    filters.push(rbacFilter(AUTHZ_FILTER_NAMES.ALLOW, 'ALLOW', byAction.ALLOW));
  } else if (input.defaultInboundPolicy === 'authenticated') {
    filters.push(rbacFilter(AUTHZ_FILTER_NAMES.ALLOW, 'ALLOW', { [DEFAULT_POLICY_NAME]: { permissions: [{ any: true }], principals: [{ authenticated: {} }] } }));
  } else if (input.defaultInboundPolicy === 'deny') {
    filters.push(rbacFilter(AUTHZ_FILTER_NAMES.ALLOW, 'ALLOW', {}));
  }
  return filters;
}

function policyKey(p: Resource<AuthorizationPolicySpec>): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
}

function rbacFilter(name: string, action: RbacAction, policies: Record<string, Policy>): RbacHttpFilter {
  return { name, typed_config: { '@type': TYPE_URLS.rbac, rules: { action, policies } } };
}

const ANY_PERMISSION: Permission = { any: true };
const ANY_PRINCIPAL: Principal = { any: true };

function and<T>(list: readonly T[], wrap: (items: readonly T[]) => T, none: T): T {
  return list.length === 0 ? none : list.length === 1 ? list[0] : wrap(list);
}

const andRules = (list: readonly Permission[]): Permission => and(list, (rules) => ({ and_rules: { rules } }), ANY_PERMISSION);
const orRules = (list: readonly Permission[]): Permission => (list.length === 1 ? list[0] : { or_rules: { rules: list } });
const andIds = (list: readonly Principal[]): Principal => and(list, (ids) => ({ and_ids: { ids } }), ANY_PRINCIPAL);
const orIds = (list: readonly Principal[]): Principal => (list.length === 1 ? list[0] : { or_ids: { ids: list } });

/** One rule → one RBAC policy: its sources (any of) as principals, its operations and conditions as permissions. */
function rulePolicy(rule: AuthorizationRule, trustDomain: string): Policy {
  const operations = (rule.to ?? []).map(({ operation: o }) => {
    const parts: Permission[] = [];
    if (o.methods) parts.push(orRules(o.methods.map((m) => ({ header: { name: ':method', exact_match: m } }))));
    if (o.paths) parts.push(orRules(o.paths.map((p) => (p === '*' ? ANY_PERMISSION : { url_path: { path: pattern(p) } }))));
    if (o.ports) parts.push(orRules(o.ports.map((port) => ({ destination_port: port }))));
    return andRules(parts);
  });
  const conditions: Permission[] = (rule.when ?? []).map((c) => {
    const parts: Permission[] = [];
    if (c.values) parts.push(orRules(c.values.map((v) => headerPattern(c.header, v))));
    if (c.notValues) parts.push({ not_rule: orRules(c.notValues.map((v) => headerPattern(c.header, v))) });
    return andRules(parts);
  });
  const permission = andRules([...(operations.length === 0 ? [] : [orRules(operations)]), ...conditions]);
  const sources = (rule.from ?? []).map(({ source }) => sourcePrincipal(source, trustDomain));
  return { permissions: [permission], principals: [sources.length === 0 ? ANY_PRINCIPAL : orIds(sources)] };
}

function sourcePrincipal(s: AuthorizationSource, trustDomain: string): Principal {
  const parts: Principal[] = [];
  if (s.principals) parts.push(orIds(s.principals.map(identity)));
  if (s.namespaces) parts.push(orIds(s.namespaces.map((ns) => ({ authenticated: { principal_name: { prefix: `spiffe://${trustDomain}/ns/${ns}/sa/` } } }))));
  if (s.notPrincipals) parts.push({ not_id: orIds(s.notPrincipals.map(identity)) });
  if (s.unauthenticated === true) parts.push({ not_id: { authenticated: {} } });
  return andIds(parts);
}

/** A principal pattern: `*` is any authenticated caller; Istio's `td/ns/…` form gets its spiffe:// scheme. */
function identity(p: string): Principal {
  if (p === '*') return { authenticated: {} };
  const full = p.startsWith('*') || p.startsWith('spiffe://') ? p : `spiffe://${p}`;
  return { authenticated: { principal_name: pattern(full) } };
}

/** exact, `prefix*`, `*suffix` → a StringMatcher (`*` alone is handled by the callers). */
function pattern(p: string): StringMatcher {
  if (p.endsWith('*')) return { prefix: p.slice(0, -1) };
  if (p.startsWith('*')) return { suffix: p.slice(1) };
  return { exact: p };
}

function headerPattern(name: string, v: string): Permission {
  if (v === '*') return { header: { name, present_match: true } };
  if (v.endsWith('*')) return { header: { name, prefix_match: v.slice(0, -1) } };
  if (v.startsWith('*')) return { header: { name, suffix_match: v.slice(1) } };
  return { header: { name, exact_match: v } };
}
