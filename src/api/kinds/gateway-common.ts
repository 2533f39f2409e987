// Gateway API v1 types shared by HTTPRoute and GRPCRoute (shared_types.go): parent and backend
// references, header modifiers, mirrors and header matches, with their CEL rules as checks.

import type { Static, TSchema } from 'typebox';
import { Type, StringEnum, Port, DNS1123_LABEL, DNS1123_SUBDOMAIN } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';

export const GROUP_PATTERN = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const KIND_PATTERN = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
export const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
export const HOSTNAME_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const PRECISE_HOSTNAME_PATTERN = DNS1123_SUBDOMAIN;

const Group = (dflt: string) => Type.String({ maxLength: 253, pattern: GROUP_PATTERN, default: dflt });
const Kind = (dflt: string) => Type.String({ minLength: 1, maxLength: 63, pattern: KIND_PATTERN, default: dflt });
const ObjectName = () => Type.String({ minLength: 1, maxLength: 253 });
const Namespace = () => Type.String({ minLength: 1, maxLength: 63, pattern: DNS1123_LABEL });

/** ParentReference. GAMMA: `group: ""`, `kind: Service`; Weft has no Gateway yet. */
export const ParentReference = Type.Object({
  group: Type.Optional(Group('gateway.networking.k8s.io')),
  kind: Type.Optional(Kind('Gateway')),
  namespace: Type.Optional(Namespace()),
  name: ObjectName(),
  sectionName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN })),
  port: Type.Optional(Port()),
});
export type ParentReference = Static<typeof ParentReference>;

/** BackendObjectReference fields (group "" / kind Service by default). */
const BackendObjectReferenceFields = {
  group: Type.Optional(Group('')),
  kind: Type.Optional(Kind('Service')),
  name: ObjectName(),
  namespace: Type.Optional(Namespace()),
  port: Type.Optional(Port()),
};
export const BackendObjectReference = Type.Object(BackendObjectReferenceFields);
export type BackendObjectReference = Static<typeof BackendObjectReference>;

export const HTTPHeader = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }),
  value: Type.String({ minLength: 1, maxLength: 4096 }),
});

export const HTTPHeaderFilter = Type.Object({
  set: Type.Optional(Type.Array(HTTPHeader, { maxItems: 16 })),
  add: Type.Optional(Type.Array(HTTPHeader, { maxItems: 16 })),
  remove: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }), { maxItems: 16 })),
});
export type HTTPHeaderFilter = Static<typeof HTTPHeaderFilter>;

export const Fraction = Type.Object({
  numerator: Type.Integer({ minimum: 0 }),
  denominator: Type.Optional(Type.Integer({ minimum: 1, default: 100 })),
});

export const RequestMirrorFilter = Type.Object({
  backendRef: BackendObjectReference,
  percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  fraction: Type.Optional(Fraction),
});
export type RequestMirrorFilter = Static<typeof RequestMirrorFilter>;

export const HeaderMatch = Type.Object({
  type: Type.Optional(StringEnum(['Exact', 'RegularExpression'], { default: 'Exact' })),
  name: Type.String({ minLength: 1, maxLength: 256, pattern: HEADER_NAME_PATTERN }),
  value: Type.String({ minLength: 1, maxLength: 4096 }),
});
export type HeaderMatch = Static<typeof HeaderMatch>;

/** A weighted backend with optional per-backend filters (HTTPBackendRef / GRPCBackendRef). */
export function BackendRefWith<F extends TSchema>(filter: F) {
  return Type.Object({
    ...BackendObjectReferenceFields,
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1 })),
    filters: Type.Optional(Type.Array(filter, { maxItems: 16 })),
  });
}

export function checkParentRefs(refs: readonly ParentReference[], issues: IssueList, at: FieldPath): void {
  const seen = new Map<string, number>();
  refs.forEach((ref, i) => {
    const path = [...at, i];
    const group = ref.group ?? 'gateway.networking.k8s.io';
    const kind = ref.kind ?? 'Gateway';
    if (kind === 'Gateway' && group === 'gateway.networking.k8s.io') {
      issues.add(path, 'Weft attaches routes to Services (GAMMA) and has no Gateway yet: set `group: ""` and `kind: Service`');
    } else if (group !== '' || kind !== 'Service') {
      issues.add(path, `a parentRef must be a Service (group "", kind Service), got group "${group}" kind ${kind}`);
    }
    const key = `${group}/${kind}/${ref.namespace ?? ''}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) issues.add(path, `duplicate parentRef (same as parentRefs[${first}])`);
    else seen.set(key, i);
  });
}

export function checkBackendObjectRef(ref: BackendObjectReference, issues: IssueList, at: FieldPath): void {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  if (group !== '' || kind !== 'Service') {
    issues.add(at, `Weft routes to Services only (group "", kind Service), got group "${group}" kind ${kind}`);
  } else if (ref.port === undefined) {
    issues.add([...at, 'port'], 'a port is required for a Service reference (Gateway API: "Must have port for Service reference")');
  }
}

/** "Only one action for a given header name is permitted" — across set, add and remove, ignoring case. */
export function checkHeaderFilter(f: HTTPHeaderFilter, issues: IssueList, at: FieldPath): void {
  const seen = new Map<string, string>();
  const visit = (name: string, where: FieldPath, label: string) => {
    const lower = name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) issues.add(where, `header "${name}" already has an action (${first}); one action per header name`);
    else seen.set(lower, label);
  };
  f.set?.forEach((h, i) => {
    visit(h.name, [...at, 'set', i, 'name'], `set[${i}]`);
    checkHeaderValue(h.value, issues, [...at, 'set', i, 'value']);
  });
  f.add?.forEach((h, i) => {
    visit(h.name, [...at, 'add', i, 'name'], `add[${i}]`);
    checkHeaderValue(h.value, issues, [...at, 'add', i, 'value']);
  });
  f.remove?.forEach((n, i) => visit(n, [...at, 'remove', i], `remove[${i}]`));
  if (!f.set?.length && !f.add?.length && !f.remove?.length) issues.add(at, 'set, add or remove at least one header');
}

export function checkMirror(m: RequestMirrorFilter, issues: IssueList, at: FieldPath): void {
  checkBackendObjectRef(m.backendRef, issues, [...at, 'backendRef']);
  if (m.percent !== undefined && m.fraction !== undefined) {
    issues.add(at, 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter');
  }
  if (m.fraction && m.fraction.numerator > (m.fraction.denominator ?? 100)) {
    issues.add([...at, 'fraction', 'numerator'], 'numerator must be less than or equal to denominator');
  }
}

/** Headers listed twice (exact name): the API server's listType=map refuses them. */
export function checkHeaderMatches(list: readonly { readonly name: string }[], issues: IssueList, at: FieldPath, what: string): void {
  const seen = new Map<string, number>();
  list.forEach((h, i) => {
    const first = seen.get(h.name);
    if (first !== undefined) issues.add([...at, i, 'name'], `duplicate ${what} "${h.name}" (also [${first}])`);
    else seen.set(h.name, i);
  });
}

/** Filter `type` must name the one member that is set (the union discriminator). */
export function checkFilterUnion(
  filter: Readonly<Record<string, unknown>> & { readonly type: string },
  members: Readonly<Record<string, string>>,
  issues: IssueList,
  at: FieldPath,
): boolean {
  let ok = true;
  for (const [type, field] of Object.entries(members)) {
    const present = filter[field] !== undefined;
    if (present && filter.type !== type) {
      issues.add([...at, field], `filter.${field} must be nil if the filter.type is not ${type}`);
      ok = false;
    } else if (!present && filter.type === type) {
      issues.add([...at, field], `filter.${field} must be specified for ${type} filter.type`);
      ok = false;
    }
  }
  return ok;
}

/** "X filter cannot be repeated" for each singleton filter type. */
export function checkFilterRepeats(filters: readonly { readonly type: string }[], singletons: readonly string[], issues: IssueList, at: FieldPath): void {
  for (const t of singletons) {
    const idx = filters.map((f, i) => (f.type === t ? i : -1)).filter((i) => i >= 0);
    if (idx.length > 1) issues.add([...at, idx[1]], `${t} filter cannot be repeated`);
  }
}

/** Header values: printable ASCII with single spaces or tabs between (experimental channel pattern). */
function checkHeaderValue(value: string, issues: IssueList, at: FieldPath): void {
  if (!/^[!-~]+([\t ]?[!-~]+)*$/.test(value)) {
    issues.add(at, 'must be printable US-ASCII, optionally separated by single spaces or tabs (no leading or trailing space, no control characters)');
  }
}

/** A RegularExpression match value, checked by the validation's RE2 checker. */
export function checkRegex(value: string, issues: IssueList, at: FieldPath): void {
  const problem = issues.regex(value);
  if (problem) issues.add(at, problem);
}
