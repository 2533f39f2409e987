// Virtual-host domain patterns as Envoy reads them: exact names, "*" alone, a leading "*" (suffix
// wildcard) or a trailing "*" (prefix wildcard). Lower-cased: host names are case-insensitive.

export type DomainPattern =
  | { readonly kind: 'any' }
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string };

export type DomainParse = DomainPattern | { readonly kind: 'invalid'; readonly reason: string };

const CONTROL = /[\x00-\x1f\x7f]/;

export function parseDomain(domain: string): DomainParse {
  if (domain === '') return { kind: 'invalid', reason: 'a domain must not be empty' };
  if (CONTROL.test(domain)) return { kind: 'invalid', reason: 'a domain must not contain control characters' };
  const d = domain.toLowerCase();
  if (d === '*') return { kind: 'any' };
  const stars = d.split('*').length - 1;
  if (stars === 0) return { kind: 'exact', value: d };
  if (stars === 1 && d.startsWith('*')) return { kind: 'suffix', value: d.slice(1) };
  if (stars === 1 && d.endsWith('*')) return { kind: 'prefix', value: d.slice(0, -1) };
  return {
    kind: 'invalid',
    reason: `'${domain}': '*' may only be the whole domain, its first character ("*.example.com") or its last ("example.*")`,
  };
}

/** A key that is equal for two patterns exactly when Envoy would call them duplicates. */
export function domainKey(p: DomainPattern): string {
  return p.kind === 'any' ? '*' : `${p.kind}:${p.value}`;
}
