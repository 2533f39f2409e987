// SPIFFE IDs (spiffe://<trust-domain>/<path>) parsed strictly per the SPIFFE ID spec, and Weft's workload form /ns/<ns>/sa/<sa>.
import { WeftError } from '../core/index.ts';

/** A syntactically valid SPIFFE ID, as it appears in a URI SAN. */
export type SpiffeId = string & { readonly __brand: 'SpiffeId' };
/** A valid trust domain name (the authority part of a SPIFFE ID). */
export type TrustDomain = string & { readonly __brand: 'TrustDomain' };

/** The identity of a workload in the mesh: a service account in a namespace of one trust domain. */
export interface WorkloadIdentity {
  readonly id: SpiffeId;
  readonly trustDomain: TrustDomain;
  readonly namespace: string;
  readonly serviceAccount: string;
}

// SPIFFE ID spec §2: a SPIFFE ID is at most 2048 bytes, a trust domain at most 255 bytes.
const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_BYTES = 255;
const SCHEME = 'spiffe://';
// §2.1: lowercase letters, digits, dots, dashes and underscores — so no port, no userinfo, no uppercase.
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
// §2.2: path segments use letters, digits, dots, dashes and underscores; no percent-encoding.
const SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;

/** Why `value` is not a valid trust domain name, or undefined when it is. */
export function trustDomainProblem(value: string): string | undefined {
  if (value.length === 0) return 'the trust domain is empty';
  if (Buffer.byteLength(value) > MAX_TRUST_DOMAIN_BYTES) return `the trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  if (!TRUST_DOMAIN_CHARS.test(value)) {
    if (/[:@]/.test(value)) return 'a trust domain has no port or userinfo';
    if (/[A-Z]/.test(value)) return 'a trust domain is lowercase';
    return 'a trust domain holds only lowercase letters, digits, ".", "-" and "_"';
  }
  return undefined;
}

function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'the path has an empty segment (a "//" or a trailing "/")';
  if (segment === '.' || segment === '..') return `the path has a relative segment "${segment}"`;
  if (!SEGMENT_CHARS.test(segment)) {
    if (segment.includes('%')) return 'the path is percent-encoded';
    return `the path segment "${segment}" holds characters other than letters, digits, ".", "-" and "_"`;
  }
  return undefined;
}

/** Why `value` is not a valid SPIFFE ID, or undefined when it is. */
export function spiffeIdProblem(value: string): string | undefined {
  if (Buffer.byteLength(value) > MAX_ID_BYTES) return `a SPIFFE ID is at most ${MAX_ID_BYTES} bytes`;
  if (!value.startsWith(SCHEME)) {
    return value.toLowerCase().startsWith(SCHEME) ? 'the scheme is "spiffe" in lowercase' : 'a SPIFFE ID starts with "spiffe://"';
  }
  if (/[?#]/.test(value)) return 'a SPIFFE ID has no query or fragment';
  const rest = value.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem) return tdProblem;
  if (slash === -1) return undefined;
  for (const segment of rest.slice(slash + 1).split('/')) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

function invalid(value: string, problem: string, path: string | undefined): WeftError {
  return new WeftError('WEFT_CONFIG_INVALID', `${JSON.stringify(value)} is not a valid SPIFFE ID: ${problem}`, { path });
}

/** Parses a trust domain name; throws WEFT_CONFIG_INVALID naming `path` when it is not one. */
export function parseTrustDomain(value: string, path?: string): TrustDomain {
  const problem = trustDomainProblem(value);
  if (problem) {
    throw new WeftError('WEFT_CONFIG_INVALID', `${JSON.stringify(value)} is not a valid trust domain: ${problem} (e.g. "cluster.local")`, { path });
  }
  return value as TrustDomain;
}

/** Parses any SPIFFE ID; throws WEFT_CONFIG_INVALID naming `path` when it is not one. */
export function parseSpiffeId(value: string, path?: string): SpiffeId {
  const problem = spiffeIdProblem(value);
  if (problem) throw invalid(value, problem, path);
  return value as SpiffeId;
}

/** The trust domain of a valid SPIFFE ID. */
export function trustDomainOf(id: SpiffeId): TrustDomain {
  const rest = id.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  return (slash === -1 ? rest : rest.slice(0, slash)) as TrustDomain;
}

/** Why `value` is not a Weft workload ID (spiffe://<td>/ns/<ns>/sa/<sa>), or undefined when it is. */
export function workloadIdProblem(value: string): string | undefined {
  const problem = spiffeIdProblem(value);
  if (problem) return problem;
  const segments = value.slice(SCHEME.length).split('/').slice(1);
  if (segments.length !== 4 || segments[0] !== 'ns' || segments[2] !== 'sa') {
    return 'a workload ID has the path /ns/<namespace>/sa/<service-account>';
  }
  return undefined;
}

/** Parses a workload SPIFFE ID; throws WEFT_CONFIG_INVALID naming `path` when it is not one. */
export function parseWorkloadId(value: string, path?: string): WorkloadIdentity {
  const problem = workloadIdProblem(value);
  if (problem) throw invalid(value, problem, path);
  const [trustDomain, , namespace, , serviceAccount] = value.slice(SCHEME.length).split('/');
  return { id: value as SpiffeId, trustDomain: trustDomain as TrustDomain, namespace, serviceAccount };
}

/** Formats the workload ID of a service account; throws WEFT_CONFIG_INVALID when a part is not valid. */
export function workloadId(trustDomain: string, namespace: string, serviceAccount: string): WorkloadIdentity {
  parseTrustDomain(trustDomain, 'trustDomain');
  const nsProblem = segmentProblem(namespace);
  if (nsProblem) throw new WeftError('WEFT_CONFIG_INVALID', `namespace ${JSON.stringify(namespace)} cannot be part of a SPIFFE ID: ${nsProblem}`, { path: 'namespace' });
  const saProblem = segmentProblem(serviceAccount);
  if (saProblem) throw new WeftError('WEFT_CONFIG_INVALID', `service account ${JSON.stringify(serviceAccount)} cannot be part of a SPIFFE ID: ${saProblem}`, { path: 'serviceAccount' });
  return parseWorkloadId(`${SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`);
}
