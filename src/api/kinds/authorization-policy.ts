// AuthorizationPolicy (weft.dev/v1alpha1): who may call a workload, and how — Istio's policy of the
// same name, with Gateway API targetRefs. ALLOW policies list what is allowed (anything else is
// denied once one applies), DENY policies what is refused (they win), AUDIT policies what is logged.
// The inbound proxy enforces them as Envoy RBAC filters (src/control/translate/rbac.ts).

import type { Static } from 'typebox';
import { Type, StringEnum, StringMap, Port, DNS1123_SUBDOMAIN } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { HEADER_NAME_PATTERN } from './gateway-common.ts';
import { checkLabelMap } from './names.ts';
import { PolicyTargetReference } from './traffic-policy.ts';

const Patterns = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { minItems: 1, maxItems: 64, description });

export const AuthorizationSource = Type.Object({
  principals: Type.Optional(Patterns('SPIFFE IDs of allowed callers: `spiffe://td/ns/NS/sa/SA` (or Istio\'s `td/ns/NS/sa/SA`); `*` alone, `prefix*` or `*suffix` patterns.')),
  notPrincipals: Type.Optional(Patterns('Callers that do not match: the same patterns.')),
  namespaces: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63, pattern: DNS1123_SUBDOMAIN }), { minItems: 1, maxItems: 64, description: 'Namespaces of the callers (from their SPIFFE ID).' })),
  unauthenticated: Type.Optional(Type.Boolean({ description: 'true: callers without a client certificate (plaintext).' })),
});

export const AuthorizationOperation = Type.Object({
  methods: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z]+$' }), { minItems: 1, maxItems: 16 })),
  paths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { minItems: 1, maxItems: 64, description: 'Exact (`/healthz`), prefix (`/api/*`), suffix (`*.css`) or `*`; matched after path normalization.' })),
  ports: Type.Optional(Type.Array(Port(), { minItems: 1, maxItems: 16, description: 'Ports of the workload the request arrived on.' })),
});

export const AuthorizationCondition = Type.Object({
  header: Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }),
  values: Type.Optional(Patterns('The header matches one of these (exact, `prefix*`, `*suffix`, `*`).')),
  notValues: Type.Optional(Patterns('The header matches none of these (a missing header matches none).')),
});

export const AuthorizationRule = Type.Object({
  from: Type.Optional(Type.Array(Type.Object({ source: AuthorizationSource }), { minItems: 1, maxItems: 16, description: 'Any of these sources; unset: any caller.' })),
  to: Type.Optional(Type.Array(Type.Object({ operation: AuthorizationOperation }), { minItems: 1, maxItems: 16, description: 'Any of these operations; unset: any request.' })),
  when: Type.Optional(Type.Array(AuthorizationCondition, { minItems: 1, maxItems: 16, description: 'All of these conditions.' })),
});

export const AuthorizationPolicySpec = Type.Object({
  targetRefs: Type.Optional(Type.Array(PolicyTargetReference, { minItems: 1, maxItems: 16, description: 'Services whose workloads the policy protects.' })),
  selector: Type.Optional(Type.Object({ matchLabels: StringMap({ description: 'Workloads with all these labels.' }) })),
  action: Type.Optional(StringEnum(['ALLOW', 'DENY', 'AUDIT'], { default: 'ALLOW' })),
  rules: Type.Optional(Type.Array(AuthorizationRule, { maxItems: 64, description: 'A request matches the policy when it matches any rule; no rules: it matches nothing.' })),
});
export type AuthorizationPolicySpec = Static<typeof AuthorizationPolicySpec>;
export type AuthorizationRule = Static<typeof AuthorizationRule>;
export type AuthorizationSource = Static<typeof AuthorizationSource>;

/** `*`, `prefix*`, `*suffix` or an exact value; a `*` anywhere else is refused. */
function checkPattern(p: string, issues: IssueList, at: FieldPath): void {
  const inner = p.length > 1 ? p.slice(1, -1) : '';
  if (inner.includes('*') || (p.length > 1 && p.startsWith('*') && p.endsWith('*'))) {
    issues.add(at, `"${p}": a * may only stand alone, start or end the pattern (exact, "prefix*", "*suffix" or "*")`);
  }
}

function checkPatterns(list: readonly string[] | undefined, issues: IssueList, at: FieldPath): void {
  (list ?? []).forEach((p, i) => checkPattern(p, issues, [...at, i]));
}

export function checkAuthorizationPolicy(spec: AuthorizationPolicySpec, issues: IssueList, at: FieldPath): void {
  if (spec.targetRefs !== undefined && spec.selector !== undefined) issues.add([...at, 'selector'], 'set targetRefs or selector, not both');
  (spec.targetRefs ?? []).forEach((t, i) => {
    if (t.group !== '' || t.kind !== 'Service') {
      issues.add([...at, 'targetRefs', i], `an AuthorizationPolicy targets a Service (group "", kind Service), got group "${t.group}" kind ${t.kind}`);
    }
    if (t.sectionName !== undefined) issues.add([...at, 'targetRefs', i, 'sectionName'], 'not supported yet: use to.operation.ports to restrict the policy to a port');
  });
  if (spec.selector) checkLabelMap(spec.selector.matchLabels, issues, [...at, 'selector', 'matchLabels']);
  (spec.rules ?? []).forEach((rule, r) => {
    const rp = [...at, 'rules', r];
    (rule.from ?? []).forEach(({ source }, s) => {
      const sp = [...rp, 'from', s, 'source'];
      checkPatterns(source.principals, issues, [...sp, 'principals']);
      checkPatterns(source.notPrincipals, issues, [...sp, 'notPrincipals']);
      if (source.unauthenticated === true && (source.principals !== undefined || source.namespaces !== undefined)) {
        issues.add([...sp, 'unauthenticated'], 'an unauthenticated caller has no principal or namespace: put it in a source of its own');
      }
      if (Object.keys(source).length === 0) issues.add(sp, 'set principals, notPrincipals, namespaces or unauthenticated (omit `from` to match any caller)');
    });
    (rule.to ?? []).forEach(({ operation }, o) => {
      const op = [...rp, 'to', o, 'operation'];
      checkPatterns(operation.paths, issues, [...op, 'paths']);
      (operation.paths ?? []).forEach((p, i) => {
        if (p !== '*' && !p.startsWith('/') && !p.startsWith('*')) issues.add([...op, 'paths', i], `"${p}": a path starts with / (or is a *suffix pattern)`);
      });
      if (Object.keys(operation).length === 0) issues.add(op, 'set methods, paths or ports (omit `to` to match any request)');
    });
    (rule.when ?? []).forEach((c, w) => {
      checkPatterns(c.values, issues, [...rp, 'when', w, 'values']);
      checkPatterns(c.notValues, issues, [...rp, 'when', w, 'notValues']);
      if (c.values === undefined && c.notValues === undefined) issues.add([...rp, 'when', w], 'set values or notValues');
    });
  });
}
