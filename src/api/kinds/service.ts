// Service (core/v1): the Kubernetes shape, restricted to what a mesh reads — a label selector
// picking Workloads and the ports clients call, each mapped to a workload port by number or name.

import type { Static } from 'typebox';
import { Type, StringEnum, StringMap, IntOrString, Port, IANA_SVC_NAME } from '../schema-kit.ts';
import type { IssueList, FieldPath } from '../issues.ts';
import { checkPortName, checkLabelMap, checkPortList } from './names.ts';

export const ServicePort = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 15, pattern: IANA_SVC_NAME, description: 'Required when there is more than one port.' })),
  port: Port({ description: 'The port clients call.' }),
  targetPort: Type.Optional(IntOrString({ description: "The workload port: a number, or a port name of the selected Workloads. Defaults to `port`." })),
  protocol: Type.Optional(StringEnum(['TCP', 'UDP', 'SCTP'], { default: 'TCP' })),
  appProtocol: Type.Optional(Type.String({ maxLength: 253, description: 'http, http2, grpc, tcp, kubernetes.io/h2c, kubernetes.io/ws… (KEP-3726).' })),
});

export const ServiceSpec = Type.Object({
  type: Type.Optional(StringEnum(['ClusterIP'], { default: 'ClusterIP', description: 'Only ClusterIP has a meaning in the mesh.' })),
  selector: Type.Optional(StringMap({ description: 'Workloads (or Pods) whose labels include all of these are the endpoints.' })),
  ports: Type.Array(ServicePort, { minItems: 1, maxItems: 100 }),
});
export type ServiceSpec = Static<typeof ServiceSpec>;
export type ServicePort = Static<typeof ServicePort>;

export function checkService(spec: ServiceSpec, issues: IssueList, at: FieldPath): void {
  if (spec.selector) checkLabelMap(spec.selector, issues, [...at, 'selector']);
  checkPortList(spec.ports, issues, [...at, 'ports'], true);
  spec.ports.forEach((p, i) => {
    const path = [...at, 'ports', i];
    const target = p.targetPort;
    if (typeof target === 'number') {
      if (!Number.isInteger(target) || target < 1 || target > 65535) issues.add([...path, 'targetPort'], `must be between 1 and 65535, got ${target}`);
    } else if (typeof target === 'string') {
      checkPortName(target, issues, [...path, 'targetPort']);
    } else if (target !== undefined) {
      issues.add([...path, 'targetPort'], 'expected a port number or a port name');
    }
  });
}
