// envoy.filters.http.rbac: allows or denies a request by its RBAC rules (ALLOW: only what a policy
// matches; DENY: all but what a policy matches; LOG: everything, noting the matching policy in the
// access log). Shadow rules are evaluated and counted, never enforced. Denials answer 403 (flag RBAC).
import type { RBAC } from '../../../xds/envoy/index.ts';
import type { CounterHandle, ProxyMetrics } from '../../observe/metrics.ts';
import { LOCAL_REPLIES } from '../local-reply.ts';
import type { RequestView } from '../route/request-view.ts';
import { RbacEngine, rbacView, type RbacRequest } from './rbac-engine.ts';
import type { DownstreamStream, FilterHost, FilterReply, RequestHead, RouteFilter, Verdict } from './types.ts';

const DENIED = LOCAL_REPLIES.rbacDenied;

const REPLY: FilterReply = {
  kind: 'reply',
  status: DENIED.status,
  grpcStatus: -1, // 403 → PERMISSION_DENIED (7)
  forceGrpc: false,
  code: DENIED.code,
  flag: DENIED.flag,
  body: Buffer.from(DENIED.message),
  addHeaders: null,
};

const HELP = {
  denied: 'Requests denied by an RBAC filter (policy: the DENY policy that matched; "" when no ALLOW policy did).',
  allowed: 'Requests an RBAC filter let through (policy: the ALLOW policy that matched; "" for DENY filters).',
  logged: 'Requests that matched a LOG policy of an RBAC filter (allowed and noted in the access log).',
  shadow: 'Shadow-rule decisions of RBAC filters (not enforced), by result.',
};

/** Counters bound once per config: one per policy and one for "no policy". */
class PolicyCounters {
  private readonly byPolicy: readonly CounterHandle[];
  private readonly none: CounterHandle;

  constructor(metrics: ProxyMetrics, name: string, help: string, labels: Record<string, string>, policies: readonly string[]) {
    this.byPolicy = policies.map((policy) => metrics.decision(name, help, { ...labels, policy }));
    this.none = metrics.decision(name, help, { ...labels, policy: '' });
  }

  inc(index: number): void {
    (index < 0 ? this.none : this.byPolicy[index]).inc();
  }
}

export class RbacConfig implements RouteFilter {
  private readonly rules: RbacEngine | null;
  private readonly shadow: RbacEngine | null;
  private readonly view: RequestView = rbacView();
  private readonly request: { head: RequestHead; ds: DownstreamStream; view: RequestView };
  private readonly outcome: PolicyCounters | null;
  private readonly denied: PolicyCounters | null;
  private readonly shadowAllowed: PolicyCounters | null;
  private readonly shadowDenied: PolicyCounters | null;

  constructor(rbac: RBAC, listener: string, metrics: ProxyMetrics) {
    this.rules = rbac.rules === undefined ? null : new RbacEngine(rbac.rules);
    this.shadow = rbac.shadow_rules === undefined ? null : new RbacEngine(rbac.shadow_rules);
    this.request = { head: null as unknown as RequestHead, ds: null as unknown as DownstreamStream, view: this.view };
    const labels = { listener };
    const r = this.rules;
    const names = r?.policies.map((p) => p.name) ?? [];
    this.outcome = r === null ? null : r.action === 'LOG'
      ? new PolicyCounters(metrics, 'rbac_logged', HELP.logged, labels, names)
      : new PolicyCounters(metrics, 'rbac_allowed', HELP.allowed, labels, names);
    this.denied = r === null || r.action === 'LOG' ? null : new PolicyCounters(metrics, 'rbac_denied', HELP.denied, labels, names);
    const s = this.shadow;
    const shadowNames = s?.policies.map((p) => p.name) ?? [];
    this.shadowAllowed = s === null ? null : new PolicyCounters(metrics, 'rbac_shadow', HELP.shadow, { ...labels, result: 'allowed' }, shadowNames);
    this.shadowDenied = s === null ? null : new PolicyCounters(metrics, 'rbac_shadow', HELP.shadow, { ...labels, result: 'denied' }, shadowNames);
  }

  /** One config serves every route that uses it: the counters are per listener and policy. */
  bind(): RouteFilter {
    return this;
  }

  onRequest(head: RequestHead, ds: DownstreamStream, host: FilterHost): Verdict {
    const req = this.request as { head: RequestHead; ds: DownstreamStream; view: RequestView };
    req.head = head;
    req.ds = ds;
    this.view.reset(head);
    const r: RbacRequest = req;
    if (this.shadow !== null) {
      const i = indexOfMatch(this.shadow, r);
      if (allows(this.shadow, i)) this.shadowAllowed!.inc(i);
      else this.shadowDenied!.inc(i);
    }
    const rules = this.rules;
    if (rules === null) return null;
    const i = indexOfMatch(rules, r);
    if (rules.action === 'LOG') {
      if (i >= 0) {
        this.outcome!.inc(i);
        host.noteRbacPolicy(rules.policies[i].name);
      }
      return null;
    }
    if (allows(rules, i)) {
      this.outcome!.inc(rules.action === 'ALLOW' ? i : -1);
      return null;
    }
    this.denied!.inc(i);
    if (i >= 0) host.noteRbacPolicy(rules.policies[i].name);
    return REPLY;
  }
}

function indexOfMatch(engine: RbacEngine, r: RbacRequest): number {
  const p = engine.firstMatch(r);
  return p === null ? -1 : p.index;
}

/** Envoy: ALLOW allows iff a policy matched, DENY iff none did; LOG always. */
function allows(engine: RbacEngine, matched: number): boolean {
  return engine.action === 'ALLOW' ? matched >= 0 : engine.action === 'DENY' ? matched < 0 : true;
}
