// Virtual host domains for a Service port, as a client in `clientNamespace` may write the Host:
// `<name>` (same namespace only), `<name>.<ns>`, `<name>.<ns>.svc`, the full host — each with
// `:<port>`, and without a port for the Service's default port (80 if it has it, else its first),
// like Istio's per-port route configs but in one table for one outbound listener.

import type { ServiceResource } from '../model/snapshot.ts';
import { servicePorts } from '../model/index.ts';

export function defaultPort(service: ServiceResource): number | undefined {
  const ports = servicePorts(service).filter((p) => p.protocol === 'TCP');
  return (ports.find((p) => p.port === 80) ?? ports[0])?.port;
}

export function serviceDomains(service: ServiceResource, host: string, port: number, clientNamespace: string): string[] {
  const { name, namespace } = service.metadata;
  const names = [...(namespace === clientNamespace ? [name] : []), `${name}.${namespace}`, `${name}.${namespace}.svc`, host];
  const withPort = names.map((n) => `${n}:${port}`);
  return defaultPort(service) === port ? [...names, ...withPort] : withPort;
}
