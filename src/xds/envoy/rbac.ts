// extensions.filters.http.rbac.v3 (the RBAC HTTP filter and its per-route override) and the
// config.rbac.v3 policy language it carries: policies of permissions (what is asked) and principals
// (who asks), combined with and / or / not. Permission and Principal are recursive messages.

import type { Static } from 'typebox';
import { StringMatcher } from './core.ts';
import { HeaderMatcher } from './route-match.ts';
import { Bool, Enum, Message, Str, Type, UInt32 } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

/** config.core.v3.CidrRange. */
export const CidrRange = Message({
  address_prefix: Str({ minLength: 1 }),
  prefix_len: Type.Optional(UInt32({ maximum: 128 })),
});

/** type.matcher.v3.PathMatcher: the path without query and fragment. */
export const PathMatcher = Message({ path: Type.Optional(StringMatcher) }, { oneofs: [{ fields: ['path'], required: true }] });

const NOT_YET = 'not supported by Weft yet';

export const Permission = Message(
  {
    any: Type.Optional(Bool()),
    header: Type.Optional(HeaderMatcher),
    url_path: Type.Optional(PathMatcher),
    destination_port: Type.Optional(UInt32({ maximum: 65535 })),
  },
  {
    unsupported: {
      destination_ip: NOT_YET,
      destination_port_range: NOT_YET,
      metadata: 'Weft has no dynamic metadata',
      requested_server_name: 'arrives with the TLS data path',
      matcher: NOT_YET,
      uri_template: NOT_YET,
    },
    oneofs: [{
      fields: ['and_rules', 'or_rules', 'any', 'header', 'url_path', 'destination_ip', 'destination_port', 'destination_port_range',
        'metadata', 'not_rule', 'requested_server_name', 'matcher', 'uri_template'],
      required: true,
    }],
  },
);

/** config.rbac.v3.Permission.Set. */
export const PermissionSet = Message({ rules: Type.Array(Permission, { minItems: 1 }) });

export const Authenticated = Message({ principal_name: Type.Optional(StringMatcher) });

export const Principal = Message(
  {
    any: Type.Optional(Bool()),
    authenticated: Type.Optional(Authenticated),
    direct_remote_ip: Type.Optional(CidrRange),
    remote_ip: Type.Optional(CidrRange),
    header: Type.Optional(HeaderMatcher),
  },
  {
    unsupported: {
      source_ip: 'deprecated in Envoy; use direct_remote_ip',
      url_path: 'use a Permission url_path',
      metadata: 'Weft has no dynamic metadata',
      filter_state: NOT_YET,
      custom: NOT_YET,
      sourced_metadata: NOT_YET,
    },
    oneofs: [{
      fields: ['and_ids', 'or_ids', 'any', 'authenticated', 'source_ip', 'direct_remote_ip', 'remote_ip', 'header', 'url_path',
        'metadata', 'not_id', 'filter_state', 'custom', 'sourced_metadata'],
      required: true,
    }],
  },
);

/** config.rbac.v3.Principal.Set. */
export const PrincipalSet = Message({ ids: Type.Array(Principal, { minItems: 1 }) });

// The recursive fields, added after the fact: the decoder and the reference generator follow the
// schema objects lazily (the generator dedupes messages by their properties object).
Object.assign(Permission.properties, {
  and_rules: Type.Optional(PermissionSet),
  or_rules: Type.Optional(PermissionSet),
  not_rule: Type.Optional(Permission),
});
Object.assign(Principal.properties, {
  and_ids: Type.Optional(PrincipalSet),
  or_ids: Type.Optional(PrincipalSet),
  not_id: Type.Optional(Principal),
});

export const Policy = Message(
  {
    permissions: Type.Array(Permission, { minItems: 1 }),
    principals: Type.Array(Principal, { minItems: 1 }),
  },
  { unsupported: { condition: 'CEL conditions are not supported', checked_condition: 'CEL conditions are not supported' } },
);

export const RBAC_ACTIONS = ['ALLOW', 'DENY', 'LOG'] as const;

/** config.rbac.v3.RBAC: the rules of one filter (named RbacRules here; the filter message is RBAC). */
export const RbacRules = Message(
  {
    action: Type.Optional(Enum([...RBAC_ACTIONS], { default: 'ALLOW' })),
    policies: Type.Optional(Type.Record(Type.String(), Policy)),
  },
  { unsupported: { audit_logging_options: 'LOG matches are written to the access log instead' } },
);

/** extensions.filters.http.rbac.v3.RBAC. */
export const RBAC = Message(
  {
    '@type': Type.Literal(TYPE_URLS.rbac),
    /** Unset: the filter enforces nothing (Envoy's rule). */
    rules: Type.Optional(RbacRules),
    /** Evaluated and counted, never enforced. */
    shadow_rules: Type.Optional(RbacRules),
  },
  {
    unsupported: {
      matcher: 'use rules',
      shadow_matcher: 'use shadow_rules',
      rules_stat_prefix: "Weft's counters are labelled by listener and policy",
      shadow_rules_stat_prefix: "Weft's counters are labelled by listener and policy",
      track_per_rule_stats: "Weft's counters are always per policy",
    },
  },
);

/** extensions.filters.http.rbac.v3.RBACPerRoute: `rbac` unset turns the filter off for the route. */
export const RBACPerRoute = Message({
  '@type': Type.Literal(TYPE_URLS.rbacPerRoute),
  rbac: Type.Optional(RBAC),
});

export type CidrRange = Static<typeof CidrRange>;
export type PathMatcher = Static<typeof PathMatcher>;
export type Authenticated = Static<typeof Authenticated>;
type PermissionLeaf = Static<typeof Permission>;
type PrincipalLeaf = Static<typeof Principal>;
export type Permission = PermissionLeaf & {
  readonly and_rules?: PermissionSet;
  readonly or_rules?: PermissionSet;
  readonly not_rule?: Permission;
};
export interface PermissionSet { readonly rules: readonly Permission[] }
export type Principal = PrincipalLeaf & {
  readonly and_ids?: PrincipalSet;
  readonly or_ids?: PrincipalSet;
  readonly not_id?: Principal;
};
export interface PrincipalSet { readonly ids: readonly Principal[] }
export interface Policy { readonly permissions: readonly Permission[]; readonly principals: readonly Principal[] }
export type RbacAction = (typeof RBAC_ACTIONS)[number];
export interface RbacRules { readonly action?: RbacAction; readonly policies?: Readonly<Record<string, Policy>> }
export interface RBAC { readonly '@type': typeof TYPE_URLS.rbac; readonly rules?: RbacRules; readonly shadow_rules?: RbacRules }
export interface RBACPerRoute { readonly '@type': typeof TYPE_URLS.rbacPerRoute; readonly rbac?: RBAC }
