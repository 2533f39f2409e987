// Kubernetes label selectors as `kubectl get -l` and `?labelSelector=` take them:
// `app=web`, `tier!=db`, `env in (prod,staging)`, `env notin (dev)`, `canary`, `!canary`,
// comma-separated and all required.

export type Requirement =
  | { readonly op: 'in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists'; readonly key: string }
  | { readonly op: '!exists'; readonly key: string };

export type LabelSelector = readonly Requirement[];

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function checkKey(key: string, term: string): string {
  if (!KEY.test(key)) throw new Error(`"${key}" in "${term}" is not a valid label key`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new Error(`"${value}" in "${term}" is not a valid label value`);
  return value;
}

/** Parses a selector; throws an Error whose message says which term is wrong. */
export function parseLabelSelector(text: string): LabelSelector {
  const out: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term))) {
      const values = m[3].split(',').map((v) => checkValue(v.trim(), term));
      out.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1], term), values });
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term))) {
      const value = checkValue(m[3], term);
      out.push({ op: m[2] === '!=' ? 'notin' : 'in', key: checkKey(m[1], term), values: [value] });
    } else if ((m = /^!\s*(\S+)$/.exec(term))) {
      out.push({ op: '!exists', key: checkKey(m[1], term) });
    } else if (/^\S+$/.test(term)) {
      out.push({ op: 'exists', key: checkKey(term, term) });
    } else {
      throw new Error(`cannot parse "${term}"; use key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
    }
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'in': return has && r.values.includes(l[r.key]);
      case 'notin': return !has || !r.values.includes(l[r.key]);
      case 'exists': return has;
      case '!exists': return !has;
    }
  });
}
