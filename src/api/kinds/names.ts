// Kubernetes name rules shared by the kinds: DNS labels, IANA port names, label keys and values.

import type { IssueList, FieldPath } from '../issues.ts';
import { DNS1123_SUBDOMAIN } from '../schema-kit.ts';

const IANA = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN);

/** IANA_SVC_NAME (RFC 6335): ≤ 15 characters, lower-case letters, digits and '-', at least one letter, no '--'. */
export function checkPortName(name: string, issues: IssueList, at: FieldPath): void {
  if (name.length > 15 || !IANA.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
    issues.add(at, `"${name}" is not a valid port name: at most 15 lower-case letters, digits and '-', with at least one letter, not starting or ending with '-' and no '--'`);
  }
}

/** A label key: optional DNS-subdomain prefix and '/', then a name of ≤ 63 characters. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) return `the prefix "${prefix}" must be a DNS subdomain (e.g. example.com)`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return 'must be at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

export function checkLabelMap(map: Readonly<Record<string, string>>, issues: IssueList, at: FieldPath): void {
  for (const [key, value] of Object.entries(map)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) issues.add([...at, key], `label key "${key}" ${keyProblem}`);
    if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
      issues.add([...at, key], `label value "${value}" must be empty or at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit`);
    }
  }
}

interface NamedPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol?: string;
}

/** Port lists (Service, Workload): valid and unique names, unique port/protocol pairs. */
export function checkPortList(ports: readonly NamedPort[], issues: IssueList, at: FieldPath, nameRequiredWhenMany: boolean): void {
  const names = new Map<string, number>();
  const numbers = new Map<string, number>();
  ports.forEach((p, i) => {
    const path = [...at, i];
    if (p.name === undefined) {
      if (nameRequiredWhenMany && ports.length > 1) issues.add([...path, 'name'], 'a name is required when there is more than one port');
    } else {
      checkPortName(p.name, issues, [...path, 'name']);
      const first = names.get(p.name);
      if (first !== undefined) issues.add([...path, 'name'], `duplicate port name "${p.name}" (also ports[${first}])`);
      else names.set(p.name, i);
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    const same = numbers.get(key);
    if (same !== undefined) issues.add([...path, 'port'], `duplicate port ${key} (also ports[${same}])`);
    else numbers.set(key, i);
  });
}
