// The demo mesh `weft up --demo` applies: namespace `demo`, a frontend that calls backend, and
// backend in two versions split 90/10 by an HTTPRoute (x-canary: true goes to v2).

export const DEMO_NAMESPACE = 'demo';

export const DEMO_RESOURCES = `
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: demo}
spec: {selector: {app: frontend}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: demo}
spec: {selector: {app: backend}, ports: [{name: http, port: 8080, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend-v1, namespace: demo}
spec: {selector: {app: backend, version: v1}, ports: [{name: http, port: 8080, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend-v2, namespace: demo}
spec: {selector: {app: backend, version: v2}, ports: [{name: http, port: 8080, targetPort: http}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend, namespace: demo}
spec:
  parentRefs: [{group: "", kind: Service, name: backend, port: 8080}]
  rules:
    - name: canary
      matches: [{headers: [{name: x-canary, value: "true"}]}]
      backendRefs: [{name: backend-v2, port: 8080}]
    - name: split
      backendRefs: [{name: backend-v1, port: 8080, weight: 90}, {name: backend-v2, port: 8080, weight: 10}]
      timeouts: {request: 2s}
      retry: {attempts: 2, codes: [503]}
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: backend, namespace: demo}
spec:
  targetRefs: [{group: "", kind: Service, name: backend-v1}, {group: "", kind: Service, name: backend-v2}]
  outlierDetection: {consecutive5xxErrors: 5}
  timeouts: {connect: 1s}
`;

/** The demo's Workloads (registered by their sidecars); `port` is filled in with the app's. */
export const DEMO_WORKLOADS = [
  { name: 'frontend-1', labels: { app: 'frontend' }, serviceAccount: 'frontend' },
  { name: 'backend-v1-1', labels: { app: 'backend', version: 'v1' }, serviceAccount: 'backend' },
  { name: 'backend-v2-1', labels: { app: 'backend', version: 'v2' }, serviceAccount: 'backend' },
  // The traffic generator: a client with a sidecar and no Service.
  { name: 'loadgen-1', labels: { app: 'loadgen' }, serviceAccount: 'loadgen' },
] as const;

export function workloadYaml(name: string, labels: Readonly<Record<string, string>>, port: number | undefined, serviceAccount: string): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ');
  const ports = port === undefined ? '[]' : `[{name: http, port: ${port}}]`;
  return `apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: ${name}, namespace: ${DEMO_NAMESPACE}, labels: {${l}}}\nspec: {address: 127.0.0.1, serviceAccount: ${serviceAccount}, ports: ${ports}}\n`;
}
