// A Service port with its defaults applied (targetPort = port, protocol TCP).

import type { ServiceResource } from './snapshot.ts';

export interface ServicePortView {
  readonly name: string | undefined;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: string;
  readonly appProtocol: string | undefined;
}

export function servicePorts(service: ServiceResource): ServicePortView[] {
  return service.spec.ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    protocol: p.protocol ?? 'TCP',
    appProtocol: p.appProtocol,
  }));
}

export function findPort(service: ServiceResource, port: number): ServicePortView | undefined {
  return servicePorts(service).find((p) => p.port === port && p.protocol === 'TCP');
}
