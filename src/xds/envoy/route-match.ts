// config.route.v3 matching messages: RouteMatch, HeaderMatcher, QueryParameterMatcher.

import type { Static } from 'typebox';
import { Int64Range, RegexMatcher, StringMatcher } from './core.ts';
import { Bool, Message, Str, Type } from './schema.ts';

export const HEADER_MATCH_SPECIFIERS = [
  'exact_match',
  'safe_regex_match',
  'range_match',
  'present_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'string_match',
] as const;

/** With no specifier Envoy checks presence only. The *_match strings are Envoy's legacy forms. */
export const HeaderMatcher = Message(
  {
    name: Str({ minLength: 1 }),
    exact_match: Type.Optional(Str()),
    safe_regex_match: Type.Optional(RegexMatcher),
    range_match: Type.Optional(Int64Range),
    present_match: Type.Optional(Bool()),
    prefix_match: Type.Optional(Str({ minLength: 1 })),
    suffix_match: Type.Optional(Str({ minLength: 1 })),
    contains_match: Type.Optional(Str({ minLength: 1 })),
    string_match: Type.Optional(StringMatcher),
    invert_match: Type.Optional(Bool()),
    treat_missing_header_as_empty: Type.Optional(Bool()),
  },
  { oneofs: [{ fields: [...HEADER_MATCH_SPECIFIERS] }] },
);

export const QueryParameterMatcher = Message(
  {
    name: Str({ minLength: 1, maxLength: 1024 }),
    string_match: Type.Optional(StringMatcher),
    present_match: Type.Optional(Bool()),
  },
  { oneofs: [{ fields: ['string_match', 'present_match'] }] },
);

export const PATH_SPECIFIERS = ['prefix', 'path', 'safe_regex', 'path_separated_prefix'] as const;

export const RouteMatch = Message(
  {
    prefix: Type.Optional(Str()),
    path: Type.Optional(Str()),
    safe_regex: Type.Optional(RegexMatcher),
    path_separated_prefix: Type.Optional(Str({ pattern: '^[^?#]+[^?#/]$' })),
    case_sensitive: Type.Optional(Bool({ default: true })),
    headers: Type.Optional(Type.Array(HeaderMatcher)),
    query_parameters: Type.Optional(Type.Array(QueryParameterMatcher)),
  },
  {
    unsupported: {
      connect_matcher: 'CONNECT is not supported',
      path_match_policy: 'use prefix, path, safe_regex or path_separated_prefix',
      runtime_fraction: 'Weft has no runtime layer',
      grpc: 'match on content-type with a header matcher instead',
      tls_context: '',
      dynamic_metadata: '',
      filter_state: '',
    },
    oneofs: [{ fields: [...PATH_SPECIFIERS, 'connect_matcher', 'path_match_policy'], required: true }],
  },
);

export type HeaderMatcher = Static<typeof HeaderMatcher>;
export type QueryParameterMatcher = Static<typeof QueryParameterMatcher>;
export type RouteMatch = Static<typeof RouteMatch>;
