// Which routes apply to a call: GAMMA attaches a route to a Service (its frontend) through a
// parentRef, optionally narrowed to one port. A route in the Service's namespace is a producer
// route and applies to every client; a route in another namespace is a consumer route and
// applies only to clients in that namespace — and for them it takes the producer routes' place.

import type { ServiceResource } from './snapshot.ts';
import type { ServicePortView } from './ports.ts';
import type { Resource, ParentReference } from '../../api/index.ts';

interface RouteLike extends Resource {
  readonly spec: { readonly parentRefs: readonly ParentReference[] };
}

function attaches(route: RouteLike, service: ServiceResource, port: ServicePortView): boolean {
  const routeNs = route.metadata.namespace ?? '';
  return route.spec.parentRefs.some((p) =>
    (p.group ?? '') === '' && (p.kind ?? '') === 'Service' &&
    p.name === service.metadata.name &&
    (p.namespace ?? routeNs) === service.metadata.namespace &&
    (p.port === undefined || p.port === port.port) &&
    (p.sectionName === undefined || p.sectionName === port.name));
}

export function attachedRoutes<R extends RouteLike>(routes: readonly R[], service: ServiceResource, port: ServicePortView, clientNamespace: string): R[] {
  const all = routes.filter((r) => attaches(r, service, port));
  const serviceNs = service.metadata.namespace;
  if (clientNamespace !== serviceNs) {
    const consumer = all.filter((r) => r.metadata.namespace === clientNamespace);
    if (consumer.length > 0) return consumer;
  }
  return all.filter((r) => r.metadata.namespace === serviceNs);
}
