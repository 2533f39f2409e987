// MeshConfig (weft.dev/v1alpha1): mesh-wide settings, a cluster-scoped singleton named
// `default` — trust domain, mTLS mode, the inbound policy when no AuthorizationPolicy
// applies, tracing and certificate lifetimes. Names follow Istio's MeshConfig / PeerAuthentication.

import type { Static } from 'typebox';
import { Type, StringEnum, Duration, DNS1123_SUBDOMAIN } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { durationMs } from '../duration.ts';

export const MeshConfigSpec = Type.Object({
  trustDomain: Type.Optional(Type.String({ maxLength: 253, pattern: DNS1123_SUBDOMAIN, default: 'cluster.local', description: 'SPIFFE trust domain: spiffe://<trustDomain>/ns/<ns>/sa/<sa>.' })),
  clusterDomain: Type.Optional(Type.String({ maxLength: 253, pattern: DNS1123_SUBDOMAIN, default: 'cluster.local', description: 'Service hostnames are <name>.<namespace>.svc.<clusterDomain>.' })),
  mtls: Type.Optional(Type.Object({
    mode: Type.Optional(StringEnum(['STRICT', 'PERMISSIVE'], { default: 'PERMISSIVE', description: 'PERMISSIVE accepts plaintext and mTLS inbound; STRICT only mTLS.' })),
  })),
  defaultInboundPolicy: Type.Optional(StringEnum(['allow', 'authenticated', 'deny'], { default: 'allow', description: 'Inbound when no ALLOW AuthorizationPolicy applies to the workload.' })),
  tracing: Type.Optional(Type.Object({
    sampling: Type.Optional(Type.Number({ minimum: 0, maximum: 100, default: 1, description: 'Percentage of requests traced at the edge (0–100).' })),
    otlp: Type.Optional(Type.Object({ endpoint: Type.String({ minLength: 1, maxLength: 2048, description: 'OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces.' }) })),
    propagation: Type.Optional(Type.Array(StringEnum(['tracecontext', 'b3']), { maxItems: 2, default: ['tracecontext', 'b3'] })),
  })),
  certificates: Type.Optional(Type.Object({
    workloadTTL: Type.Optional(Duration({ default: '24h', description: 'Leaf certificate lifetime; renewed at 70 %.' })),
    rootTTL: Type.Optional(Duration({ default: '87600h', description: 'Self-signed root CA lifetime (10 years).' })),
  })),
});
export type MeshConfigSpec = Static<typeof MeshConfigSpec>;

export function checkMeshConfig(spec: MeshConfigSpec, issues: IssueList, at: FieldPath): void {
  const endpoint = spec.tracing?.otlp?.endpoint;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try { url = new URL(endpoint); } catch { /* reported below */ }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      issues.add([...at, 'tracing', 'otlp', 'endpoint'], `"${endpoint}" is not an http:// or https:// URL`);
    }
  }
  const certs = spec.certificates;
  const workload = durationMs(certs?.workloadTTL ?? '24h');
  const root = durationMs(certs?.rootTTL ?? '87600h');
  if (workload !== undefined && workload < 60_000) issues.add([...at, 'certificates', 'workloadTTL'], `must be at least 1m, got ${certs?.workloadTTL}`);
  if (workload !== undefined && root !== undefined && workload >= root) {
    issues.add([...at, 'certificates', 'workloadTTL'], `must be shorter than rootTTL (${certs?.workloadTTL ?? '24h'} ≥ ${certs?.rootTTL ?? '87600h'})`);
  }
  const prop = spec.tracing?.propagation;
  if (prop && new Set(prop).size !== prop.length) issues.add([...at, 'tracing', 'propagation'], 'list each propagation format once');
}
