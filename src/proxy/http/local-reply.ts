// The one catalogue of responses the proxy makes up itself. Each says why, three ways: the
// status, an `x-weft-error` header a person can grep for, and Envoy's response flag in the
// access log. Errors become responses here and nowhere else.

export interface LocalReply {
  readonly status: number;
  /** Value of the `x-weft-error` response header. */
  readonly code: string;
  /** Envoy response flag for the access log. */
  readonly flag: string;
  /** Body text; says what happened and, where it helps, what to do. */
  readonly message: string;
}

function reply(status: number, code: string, flag: string, message: string): LocalReply {
  return Object.freeze({ status, code, flag, message });
}

export const LOCAL_REPLIES = {
  noRoute: reply(404, 'no-route', 'NR', 'no route matched this request (check the virtual host domains and route matches)'),
  clusterNotFound: reply(503, 'cluster-not-found', 'NC', 'the route names a cluster that does not exist'),
  noHealthyUpstream: reply(503, 'no-healthy-upstream', 'UH', 'the cluster has no healthy endpoint'),
  connectFailure: reply(503, 'upstream-connect-failure', 'UF', 'could not connect to the upstream'),
  connectTimeout: reply(503, 'upstream-connect-timeout', 'UF', 'connecting to the upstream timed out'),
  upstreamReset: reply(503, 'upstream-reset', 'UC', 'the upstream closed the connection before responding'),
  upstreamProtocolError: reply(502, 'upstream-protocol-error', 'UPE', 'the upstream sent an invalid response'),
  upstreamTimeout: reply(504, 'upstream-timeout', 'UT', 'the upstream did not answer in time (route timeout or per_try_timeout)'),
  streamIdleTimeout: reply(504, 'upstream-timeout', 'SI', 'no bytes moved on this request for the route idle_timeout'),
  streamDurationTimeout: reply(504, 'upstream-timeout', 'UT', 'the request outlived its max_stream_duration or its grpc-timeout'),
  upstreamOverflow: reply(503, 'upstream-overflow', 'UO', 'the upstream cluster is at its connection or request limit'),
  upgradeNotAllowed: reply(403, 'upgrade-not-allowed', 'UPE', 'this listener does not allow the requested upgrade (see upgrade_configs)'),
  upgradeUnsupported: reply(501, 'upgrade-unsupported', 'UPE', 'upgrades are only proxied from HTTP/1.1 clients to HTTP/1.1 upstreams'),
  requestTimeout: reply(408, 'request-timeout', 'DC', 'the request was not received in time'),
  // HTTP filters. A fault abort's status comes from its config; this one is a placeholder.
  faultInjected: reply(503, 'fault-injected', 'FI', 'fault filter abort'),
  localRateLimited: reply(429, 'local-rate-limited', 'RL', 'local_rate_limited'),
  rbacDenied: reply(403, 'rbac-denied', 'RBAC', 'RBAC: access denied'),
  invalidPath: reply(400, 'invalid-path', 'DPE', 'the request path is not a valid origin-form path'),
  internalError: reply(500, 'internal-error', 'UPE', 'the proxy could not forward this request (a bug: please report it with this message)'),
} as const;

export type LocalReplyName = keyof typeof LOCAL_REPLIES;
