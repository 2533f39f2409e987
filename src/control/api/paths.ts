// Kubernetes-style REST paths → what they address. Core kinds live under /api/v1, the others
// under /apis/<group>/<version>; namespaced kinds under namespaces/<ns>/, and listing a
// namespaced plural without a namespace lists all namespaces (as `kubectl get -A`).

import { KINDS, kindByPlural, type KindInfo } from '../../api/index.ts';

export type Target =
  | { readonly type: 'collection'; readonly info: KindInfo; readonly namespace: string | undefined }
  | { readonly type: 'object'; readonly info: KindInfo; readonly namespace: string; readonly name: string }
  | { readonly type: 'apply' }
  | { readonly type: 'healthz' }
  | { readonly type: 'discovery' }
  | { readonly type: 'version' }
  | { readonly type: 'unknown'; readonly reason: string };

export function parsePath(pathname: string): Target {
  if (pathname === '/apply') return { type: 'apply' };
  if (pathname === '/healthz' || pathname === '/readyz') return { type: 'healthz' };
  if (pathname === '/apis' || pathname === '/api') return { type: 'discovery' };
  if (pathname === '/version') return { type: 'version' };
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    return { type: 'unknown', reason: `the path ${pathname} is not validly percent-encoded` };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    [group, version, rest] = ['', parts[1], parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    return { type: 'unknown', reason: `no such path ${pathname}; resources live under /api/v1/… and /apis/<group>/<version>/…` };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, ...extra] = rest;
  const info = plural === undefined ? undefined : kindByPlural(group, version, plural);
  if (!info || extra.length > 0) {
    const served = KINDS.map((k) => (k.group ? `/apis/${k.group}/${k.version}/${k.plural}` : `/api/${k.version}/${k.plural}`)).join(', ');
    return { type: 'unknown', reason: `the server could not find the requested resource ${pathname} (served: ${served})` };
  }
  if (!info.namespaced && namespace !== undefined) return { type: 'unknown', reason: `${info.kind} is cluster-scoped: drop namespaces/${namespace}/ from the path` };
  if (name === undefined) return { type: 'collection', info, namespace };
  if (info.namespaced && namespace === undefined) return { type: 'unknown', reason: `${info.kind} is namespaced: address it as …/namespaces/<ns>/${info.plural}/${name}` };
  return { type: 'object', info, namespace: namespace ?? '', name };
}

/** The path of one object (or its collection when `name` is undefined). */
export function pathOf(info: KindInfo, namespace: string | undefined, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
