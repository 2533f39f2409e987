// Path modifiers of RequestRedirect and URLRewrite (HTTPPathModifier): ReplaceFullPath, and
// ReplacePrefixMatch element-wise, as the table in the Gateway API spec gives it.

export type PathModifier =
  | { readonly type: 'ReplaceFullPath'; readonly replaceFullPath?: string }
  | { readonly type: 'ReplacePrefixMatch'; readonly replacePrefixMatch?: string };

/** `path` has no query string; `matchedPrefix` is the rule's PathPrefix value. */
export function modifyPath(path: string, modifier: PathModifier, matchedPrefix: string): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.replaceFullPath ?? path;
  const prefix = matchedPrefix.endsWith('/') ? matchedPrefix.slice(0, -1) : matchedPrefix;
  const replacement = modifier.replacePrefixMatch ?? '';
  const base = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  const rest = path.slice(prefix.length);
  const out = base + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
}
