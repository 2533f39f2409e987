// request/response_headers_to_add and _to_remove of one level (route config, virtual host, route,
// weighted cluster) → a function over a HeaderList, with Envoy's HeaderParser semantics: removals
// first; then every add is decided against the headers as they were before this level's adds;
// overwrites are applied before appends.

import { removeHeader, setHeader, type HeaderList } from '../headers.ts';
import type { HeaderAppendAction, HeaderValueOption } from '../../../xds/envoy/index.ts';

export type HeaderMutation = (headers: HeaderList) => void;

interface Entry {
  readonly name: string;
  readonly value: string;
  readonly action: HeaderAppendAction;
}

export interface MutationLevel {
  readonly request_headers_to_add?: readonly HeaderValueOption[];
  readonly request_headers_to_remove?: readonly string[];
  readonly response_headers_to_add?: readonly HeaderValueOption[];
  readonly response_headers_to_remove?: readonly string[];
}

function hasHeader(headers: HeaderList, name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return true;
  return false;
}

function entryOf(o: HeaderValueOption): Entry | null {
  // Config checks refused %-substitutions, so only the %% escape remains to undo.
  const value = (o.header.value ?? '').replaceAll('%%', '%');
  // Without keep_empty_value an empty value adds nothing (Envoy).
  if (value === '' && o.keep_empty_value !== true) return null;
  const action: HeaderAppendAction =
    o.append_action ?? (o.append === undefined || o.append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD');
  return { name: o.header.key.toLowerCase(), value, action };
}

/** Compiles one level's list; null when it does nothing. */
export function compileHeaderMutation(add: readonly HeaderValueOption[] = [], remove: readonly string[] = []): HeaderMutation | null {
  const removals = remove.map((n) => n.toLowerCase());
  const entries = add.map(entryOf).filter((e): e is Entry => e !== null);
  if (removals.length === 0 && entries.length === 0) return null;
  const conditional = entries.some((e) => e.action === 'ADD_IF_ABSENT' || e.action === 'OVERWRITE_IF_EXISTS');
  const overwrites = entries.filter((e) => e.action !== 'APPEND_IF_EXISTS_OR_ADD' && e.action !== 'ADD_IF_ABSENT');
  const appends = entries.filter((e) => e.action === 'APPEND_IF_EXISTS_OR_ADD' || e.action === 'ADD_IF_ABSENT');
  // Reused scratch: which entries apply, decided before any of them runs. Safe: mutation is synchronous.
  const apply = new Uint8Array(entries.length);
  return (headers) => {
    for (const r of removals) removeHeader(headers, r);
    if (!conditional) {
      for (const e of overwrites) setHeader(headers, e.name, e.value);
      for (const e of appends) headers.push(e.name, e.value);
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      apply[i] = e.action === 'ADD_IF_ABSENT' ? +!hasHeader(headers, e.name) : e.action === 'OVERWRITE_IF_EXISTS' ? +hasHeader(headers, e.name) : 1;
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (apply[i] && (e.action === 'OVERWRITE_IF_EXISTS' || e.action === 'OVERWRITE_IF_EXISTS_OR_ADD')) setHeader(headers, e.name, e.value);
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (apply[i] && (e.action === 'APPEND_IF_EXISTS_OR_ADD' || e.action === 'ADD_IF_ABSENT')) headers.push(e.name, e.value);
    }
  };
}

/** Runs levels in order; null when none does anything. */
export function chain(levels: readonly (HeaderMutation | null)[]): HeaderMutation | null {
  const live = levels.filter((l): l is HeaderMutation => l !== null);
  if (live.length === 0) return null;
  if (live.length === 1) return live[0];
  return (headers) => {
    for (const l of live) l(headers);
  };
}

export interface LevelMutations {
  readonly request: HeaderMutation | null;
  readonly response: HeaderMutation | null;
}

export function compileLevel(level: MutationLevel): LevelMutations {
  return {
    request: compileHeaderMutation(level.request_headers_to_add, level.request_headers_to_remove),
    response: compileHeaderMutation(level.response_headers_to_add, level.response_headers_to_remove),
  };
}
