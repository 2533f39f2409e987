// Workload (weft.dev/v1alpha1): one instance of an app in universal mode — what a Pod is on
// Kubernetes. Registered by its proxy at start, or applied by hand for an app without a sidecar.
// Services pick Workloads by label; a named targetPort resolves against `spec.ports[].name`.

import { isIP } from 'node:net';
import type { Static } from 'typebox';
import { Type, StringEnum, Port, IANA_SVC_NAME, DNS1123_SUBDOMAIN } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { checkPortList } from './names.ts';

export const WorkloadPort = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 15, pattern: IANA_SVC_NAME, description: 'What a Service targetPort name refers to.' })),
  port: Port({ description: 'The port the app listens on at spec.address.' }),
  protocol: Type.Optional(StringEnum(['TCP', 'UDP', 'SCTP'], { default: 'TCP' })),
});

export const WorkloadSpec = Type.Object({
  address: Type.String({ minLength: 1, maxLength: 253, description: 'IP address (or DNS name) where the app is reached.' }),
  ports: Type.Optional(Type.Array(WorkloadPort, { maxItems: 100 })),
  serviceAccount: Type.Optional(Type.String({ maxLength: 253, pattern: DNS1123_SUBDOMAIN, default: 'default', description: 'Identity: spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>.' })),
});
export type WorkloadSpec = Static<typeof WorkloadSpec>;

const HOSTNAME = new RegExp(DNS1123_SUBDOMAIN);

export function checkWorkload(spec: WorkloadSpec, issues: IssueList, at: FieldPath): void {
  if (isIP(spec.address) === 0 && !HOSTNAME.test(spec.address)) {
    issues.add([...at, 'address'], `"${spec.address}" is neither an IP address nor a DNS name`);
  }
  checkPortList(spec.ports ?? [], issues, [...at, 'ports'], false);
}
