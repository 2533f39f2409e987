// Per-route HTTP filter configuration: the values of `typed_per_filter_config` (on a virtual host or
// a route), keyed by the HTTP filter's name — the filter's own message, or config.route.v3.FilterConfig.

import type { Static } from 'typebox';
import { HTTPFault } from './fault.ts';
import { LocalRateLimit } from './local-ratelimit.ts';
import { RBACPerRoute } from './rbac.ts';
import { Any, Bool, Message, Type } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

export const FilterConfig = Message(
  {
    '@type': Type.Literal(TYPE_URLS.filterConfig),
    config: Type.Optional(Any([HTTPFault, LocalRateLimit, RBACPerRoute])),
    /** A config of a type Weft does not know is then ignored instead of refused. */
    is_optional: Type.Optional(Bool()),
    /** The filter does not run for this route or virtual host. */
    disabled: Type.Optional(Bool()),
  },
  { optionalAny: { field: 'config', flag: 'is_optional' } },
);

export const PerFilterConfig = Any([HTTPFault, LocalRateLimit, RBACPerRoute, FilterConfig]);

/** `typed_per_filter_config`: filter name → config. */
export const TypedPerFilterConfig = Type.Record(Type.String(), PerFilterConfig);

export type FilterConfig = Static<typeof FilterConfig>;
export type PerFilterConfig = Static<typeof PerFilterConfig>;
export type TypedPerFilterConfig = Static<typeof TypedPerFilterConfig>;
