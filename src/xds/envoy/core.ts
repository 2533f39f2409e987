// Shared Envoy messages (config.core.v3, type.v3, type.matcher.v3): addresses, header options, data
// sources, fractions, string and regex matchers.

import type { Static } from 'typebox';
import { Bool, Bytes, Enum, Int64, Message, Str, Type, UInt32 } from './schema.ts';

export const Locality = Message({
  region: Type.Optional(Str()),
  zone: Type.Optional(Str()),
  sub_zone: Type.Optional(Str()),
});

export const SocketAddress = Message(
  {
    protocol: Type.Optional(Enum(['TCP', 'UDP'], { unsupported: ['UDP'] })),
    address: Str({ minLength: 1 }),
    port_value: Type.Optional(UInt32({ maximum: 65535 })),
  },
  {
    unsupported: {
      named_port: 'use port_value',
      resolver_name: '',
      ipv4_compat: '',
      network_namespace_filepath: '',
    },
  },
);

export const Address = Message(
  { socket_address: Type.Optional(SocketAddress) },
  {
    unsupported: { pipe: 'only socket_address is supported', envoy_internal_address: 'only socket_address is supported' },
    oneofs: [{ fields: ['socket_address', 'pipe', 'envoy_internal_address'], required: true }],
  },
);

export const HeaderValue = Message(
  {
    key: Str({ minLength: 1, maxLength: 16384 }),
    value: Type.Optional(Str({ maxLength: 16384 })),
  },
  { unsupported: { raw_value: 'use value' } },
);

export const HEADER_APPEND_ACTIONS = [
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
] as const;

/** `append` (legacy) and `append_action` are kept as written: Envoy forbids setting both. */
export const HeaderValueOption = Message({
  header: HeaderValue,
  append: Type.Optional(Bool()),
  append_action: Type.Optional(Enum([...HEADER_APPEND_ACTIONS])),
  keep_empty_value: Type.Optional(Bool()),
});

export const DataSource = Message(
  {
    inline_string: Type.Optional(Str()),
    inline_bytes: Type.Optional(Bytes()),
  },
  {
    unsupported: {
      filename: 'inline the content with inline_string or inline_bytes',
      environment_variable: 'inline the content with inline_string or inline_bytes',
      watched_directory: '',
    },
    oneofs: [{ fields: ['inline_string', 'inline_bytes', 'filename', 'environment_variable'], required: true }],
  },
);

export const FractionalPercent = Message({
  numerator: Type.Optional(UInt32()),
  denominator: Type.Optional(Enum(['HUNDRED', 'TEN_THOUSAND', 'MILLION'], { default: 'HUNDRED' })),
});

/** Weft has no runtime layer, so `runtime_key` always falls back to `default_value` — exactly what
 *  Envoy does for a key the runtime does not define. */
export const RuntimeFractionalPercent = Message({
  default_value: FractionalPercent,
  runtime_key: Type.Optional(Str()),
});

export const Int64Range = Message({ start: Type.Optional(Int64()), end: Type.Optional(Int64()) });

export const RegexMatcher = Message({
  google_re2: Type.Optional(Message({}, { unsupported: { max_program_size: '' } })),
  regex: Str({ minLength: 1 }),
});

export const RegexMatchAndSubstitute = Message({
  pattern: RegexMatcher,
  substitution: Type.Optional(Str()),
});

export const StringMatcher = Message(
  {
    exact: Type.Optional(Str()),
    prefix: Type.Optional(Str({ minLength: 1 })),
    suffix: Type.Optional(Str({ minLength: 1 })),
    safe_regex: Type.Optional(RegexMatcher),
    contains: Type.Optional(Str({ minLength: 1 })),
    ignore_case: Type.Optional(Bool()),
  },
  {
    unsupported: { custom: '' },
    oneofs: [{ fields: ['exact', 'prefix', 'suffix', 'safe_regex', 'contains', 'custom'], required: true }],
  },
);

export type Locality = Static<typeof Locality>;
export type SocketAddress = Static<typeof SocketAddress>;
export type Address = Static<typeof Address>;
export type HeaderValue = Static<typeof HeaderValue>;
export type HeaderValueOption = Static<typeof HeaderValueOption>;
export type HeaderAppendAction = (typeof HEADER_APPEND_ACTIONS)[number];
export type DataSource = Static<typeof DataSource>;
export type FractionalPercent = Static<typeof FractionalPercent>;
export type RuntimeFractionalPercent = Static<typeof RuntimeFractionalPercent>;
export type Int64Range = Static<typeof Int64Range>;
export type RegexMatcher = Static<typeof RegexMatcher>;
export type RegexMatchAndSubstitute = Static<typeof RegexMatchAndSubstitute>;
export type StringMatcher = Static<typeof StringMatcher>;
