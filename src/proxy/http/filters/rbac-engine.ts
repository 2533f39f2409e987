// config.rbac.v3 policies compiled once into predicates over a request, with Envoy's semantics
// (RoleBasedAccessControlEngineImpl): a policy matches when any permission and any principal match;
// policies are tried in name order (Envoy keeps them in a std::map) and the first match is reported.
import { BlockList } from 'node:net';
import type { CidrRange, Permission, Policy, Principal, RbacAction, RbacRules } from '../../../xds/envoy/index.ts';
import { compileHeaderMatcher } from '../route/header-matcher.ts';
import { RequestView } from '../route/request-view.ts';
import { compileStringMatcher } from '../route/string-matcher.ts';
import type { DownstreamStream, RequestHead } from './types.ts';

/** What one evaluation reads. The view is shared by every predicate of an engine (evaluation is synchronous). */
export interface RbacRequest {
  readonly head: RequestHead;
  readonly ds: DownstreamStream;
  readonly view: RequestView;
}

type Predicate = (r: RbacRequest) => boolean;

const always: Predicate = () => true;

function cidr(c: CidrRange): Predicate {
  const v6 = c.address_prefix.includes(':');
  const list = new BlockList();
  list.addSubnet(c.address_prefix, c.prefix_len ?? 0, v6 ? 'ipv6' : 'ipv4');
  // BlockList matches an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) against IPv4 ranges.
  return (r) => {
    const a = r.ds.remoteAddress;
    return a !== '' && list.check(a, a.includes(':') ? 'ipv6' : 'ipv4');
  };
}

function any(list: readonly Predicate[]): Predicate {
  if (list.length === 1) return list[0];
  return (r) => {
    for (const p of list) if (p(r)) return true;
    return false;
  };
}

function all(list: readonly Predicate[]): Predicate {
  if (list.length === 1) return list[0];
  return (r) => {
    for (const p of list) if (!p(r)) return false;
    return true;
  };
}

export function compilePermission(p: Permission): Predicate {
  if (p.any === true) return always;
  if (p.any === false) return () => false;
  if (p.header !== undefined) {
    const h = compileHeaderMatcher(p.header);
    return (r) => h(r.view);
  }
  if (p.url_path !== undefined) {
    // The path without query and fragment (Envoy's PathMatcher), as normalized by the HCM.
    const m = compileStringMatcher(p.url_path.path!);
    return (r) => m(r.view.pathOnly());
  }
  if (p.destination_port !== undefined) {
    const port = p.destination_port;
    return (r) => r.ds.localPort === port;
  }
  if (p.and_rules !== undefined) return all(p.and_rules.rules.map(compilePermission));
  if (p.or_rules !== undefined) return any(p.or_rules.rules.map(compilePermission));
  if (p.not_rule !== undefined) {
    const inner = compilePermission(p.not_rule);
    return (r) => !inner(r);
  }
  throw new Error('rbac: a permission with no rule passed the config checks');
}

export function compilePrincipal(p: Principal): Predicate {
  if (p.any === true) return always;
  if (p.any === false) return () => false;
  if (p.authenticated !== undefined) {
    const name = p.authenticated.principal_name;
    // Envoy: no principal_name matches any authenticated (client-certificate) connection.
    if (name === undefined) return (r) => r.ds.peerIdentity !== null;
    const m = compileStringMatcher(name);
    return (r) => {
      const id = r.ds.peerIdentity;
      return id !== null && m(id);
    };
  }
  // Weft does not take the client address from X-Forwarded-For: remote_ip is the peer's address.
  if (p.direct_remote_ip !== undefined) return cidr(p.direct_remote_ip);
  if (p.remote_ip !== undefined) return cidr(p.remote_ip);
  if (p.header !== undefined) {
    const h = compileHeaderMatcher(p.header);
    return (r) => h(r.view);
  }
  if (p.and_ids !== undefined) return all(p.and_ids.ids.map(compilePrincipal));
  if (p.or_ids !== undefined) return any(p.or_ids.ids.map(compilePrincipal));
  if (p.not_id !== undefined) {
    const inner = compilePrincipal(p.not_id);
    return (r) => !inner(r);
  }
  throw new Error('rbac: a principal with no identifier passed the config checks');
}

export interface CompiledPolicy {
  readonly name: string;
  /** Its place in name order (counters are indexed by it). */
  readonly index: number;
  readonly matches: Predicate;
}

function compilePolicy(name: string, index: number, p: Policy): CompiledPolicy {
  const permissions = any(p.permissions.map(compilePermission));
  const principals = any(p.principals.map(compilePrincipal));
  return { name, index, matches: (r) => permissions(r) && principals(r) };
}

export class RbacEngine {
  readonly action: RbacAction;
  readonly policies: readonly CompiledPolicy[];

  constructor(rules: RbacRules) {
    this.action = rules.action ?? 'ALLOW';
    const names = Object.keys(rules.policies ?? {}).sort();
    this.policies = names.map((n, i) => compilePolicy(n, i, rules.policies![n]));
  }

  /** The first policy (in name order) that matches, or null. */
  firstMatch(r: RbacRequest): CompiledPolicy | null {
    for (const p of this.policies) if (p.matches(r)) return p;
    return null;
  }
}

/** A fresh view for an engine's evaluations (one per filter config; reset per request). */
export function rbacView(): RequestView {
  return new RequestView();
}
