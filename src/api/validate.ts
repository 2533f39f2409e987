// Validates one submitted resource: envelope (apiVersion, kind), metadata, the kind's schema,
// then its semantic (cross-field) checks, and returns the normalised (defaulted) resource.
// Every problem comes back at once (up to MAX_ISSUES), structural and semantic together.

import { IssueList, type ApiIssue } from './issues.ts';
import type { RegexChecker } from './regex.ts';
import { ObjectMeta, type Resource } from './meta.ts';
import { KINDS, kindInfo, SINGLETON_NAME, type KindInfo } from './registry.ts';
import { decodeValue, isPlainObject } from './decode.ts';
import { checkLabelMap } from './kinds/names.ts';
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN } from './schema-kit.ts';

export type Validation =
  | { readonly ok: true; readonly resource: Resource; readonly info: KindInfo }
  | { readonly ok: false; readonly issues: readonly ApiIssue[]; readonly dropped: number; readonly kind?: string; readonly name?: string; readonly namespace?: string };

export interface ValidateOptions {
  /** metadata.namespace when the document has none (kubectl's -n, else "default"). */
  readonly defaultNamespace?: string;
  /** Checks RegularExpression values; the control plane passes the proxy's RE2 checker. */
  readonly regex?: RegexChecker;
}

const SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN);
const DNS1035 = new RegExp(DNS1035_LABEL);
const DNS1123 = new RegExp(DNS1123_LABEL);

function checkName(info: KindInfo, name: string, issues: IssueList): void {
  const at = ['metadata', 'name'];
  if (info.nameRule === 'singleton') {
    if (name !== SINGLETON_NAME) issues.add(at, `there is one ${info.kind} per mesh and it is named "${SINGLETON_NAME}"; got "${name}"`);
  } else if (info.nameRule === 'dns1035-label') {
    if (name.length > 63 || !DNS1035.test(name)) issues.add(at, `"${name}" must be a DNS-1035 label (at most 63 lower-case letters, digits and "-", starting with a letter and ending with a letter or digit)`);
  } else if (!SUBDOMAIN.test(name)) {
    issues.add(at, `"${name}" must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)`);
  }
}

function apiVersionsOf(kindName: string): string {
  return KINDS.filter((k) => k.kind === kindName).map((k) => k.apiVersion).join(', ');
}

function overlaps(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * With structural problems, the cross-field checks still run on what did decode, so one round
 * trip shows (nearly) every problem. Their findings on or around a field already reported are
 * dropped (a malformed field is missing from the decoded value, which a check would misread),
 * and if partial data trips a check, only the structural problems are reported.
 */
function addPartialChecks(check: (s: unknown, i: IssueList, at: readonly string[]) => void, spec: unknown, issues: IssueList): void {
  const extra = new IssueList(issues.regex);
  try {
    check(spec, extra, ['spec']);
  } catch {
    return;
  }
  const reported = issues.list.map((i) => i.path);
  for (const i of extra.list) if (!reported.some((p) => overlaps(p, i.path))) issues.add(i.path, i.message);
}

export function validateResource(input: unknown, options: ValidateOptions = {}): Validation {
  const issues = new IssueList(options.regex);
  const fail = (extra: { kind?: string; name?: string; namespace?: string } = {}): Validation =>
    ({ ok: false, issues: issues.list, dropped: issues.dropped, ...extra });
  if (!isPlainObject(input)) {
    issues.add([], 'expected a resource (an object with apiVersion, kind, metadata and spec)');
    return fail();
  }
  const { apiVersion, kind, metadata, spec, status: _status, ...rest } = input;
  for (const key of Object.keys(rest)) issues.add([key], `unknown field "${key}" (a resource has apiVersion, kind, metadata and spec)`);
  if (typeof kind !== 'string' || kind === '') {
    issues.add(['kind'], `required: one of ${KINDS.map((k) => k.kind).join(', ')}`);
    return fail();
  }
  const info = kindInfo(kind);
  if (!info) {
    const near = KINDS.find((k) => k.kind.toLowerCase() === kind.toLowerCase());
    issues.add(['kind'], near ? `unknown kind "${kind}"; did you mean "${near.kind}"?` : `unknown kind "${kind}" (Weft serves ${KINDS.map((k) => k.kind).join(', ')})`);
    return fail();
  }
  if (apiVersion !== info.apiVersion) {
    issues.add(['apiVersion'], `${info.kind} is served as apiVersion "${apiVersionsOf(info.kind)}", got ${apiVersion === undefined ? 'none' : JSON.stringify(apiVersion)}`);
  }
  const meta = decodeValue(ObjectMeta, metadata ?? {}, ['metadata'], issues) as ObjectMeta | undefined;
  const raw = isPlainObject(metadata) ? metadata : {};
  const ids = {
    kind: info.kind,
    name: typeof raw.name === 'string' ? raw.name : undefined,
    namespace: info.namespaced ? (typeof raw.namespace === 'string' ? raw.namespace : options.defaultNamespace ?? 'default') : undefined,
  };
  if (spec === undefined || spec === null) {
    issues.add(['spec'], 'required field "spec" is missing');
    return fail(ids);
  }
  const decodedSpec = decodeValue(info.spec, spec, ['spec'], issues);
  const check = info.check as (s: unknown, i: IssueList, at: readonly string[]) => void;
  if (!meta || issues.size > 0) {
    if (isPlainObject(decodedSpec)) addPartialChecks(check, decodedSpec, issues);
    return fail(ids);
  }
  checkName(info, meta.name, issues);
  if (meta.labels) checkLabelMap(meta.labels, issues, ['metadata', 'labels']);
  const namespace = info.namespaced ? meta.namespace ?? options.defaultNamespace ?? 'default' : undefined;
  if (namespace !== undefined && (namespace.length > 63 || !DNS1123.test(namespace))) {
    issues.add(['metadata', 'namespace'], `the namespace "${namespace}" (from -n) must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit`);
  }
  check(decodedSpec, issues, ['spec']);
  if (issues.size > 0) return fail(ids);
  // Cluster-scoped kinds have no namespace (Kubernetes ignores one given there too).
  const { namespace: _ns, ...metaRest } = meta;
  const resource: Resource = {
    apiVersion: info.apiVersion,
    kind: info.kind,
    metadata: namespace === undefined ? metaRest : { ...metaRest, namespace },
    spec: decodedSpec,
  };
  return { ok: true, resource, info };
}
