// Universal mode: the Envoy bootstrap a `weft proxy --workload FILE` sidecar builds for itself —
// node id and metadata (the Workload it fronts, its inbound and outbound ports), the admin
// API, and ADS to the control plane over a static HTTP/2 `xds_cluster`. The control plane
// registers the Workload from the node metadata and removes it when the proxy goes away.

import { readFileSync } from 'node:fs';
import { WeftError } from '../core/errors.ts';
import { loadResources, formatProblems, type Resource } from '../api/index.ts';

export interface UniversalOptions {
  readonly workloadFile: string;
  /** `host:port` of the control plane's xDS server. */
  readonly controlPlane: string;
  readonly adminPort: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly nodeId?: string;
  /** The SPIFFE ID the sidecar's identity agent holds; absent: no mTLS (the control plane sends plaintext config). */
  readonly identity?: string;
}

export function loadWorkload(file: string): Resource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WeftError('WEFT_USAGE', `cannot read --workload ${file}: ${(err as Error).message}`);
  }
  const r = loadResources(text, file);
  if (!r.ok) throw new WeftError('WEFT_CONFIG_INVALID', formatProblems(r.problems, r.total));
  const workloads = r.resources.filter((x) => x.kind === 'Workload');
  if (workloads.length !== 1 || r.resources.length !== 1) {
    throw new WeftError('WEFT_USAGE', `--workload ${file} must hold exactly one Workload (weft.dev/v1alpha1), found ${r.resources.map((x) => x.kind).join(', ') || 'nothing'}`);
  }
  return workloads[0];
}

/** `HOST:PORT` (IPv6 in brackets) of a flag; a clear usage error otherwise. */
export function hostPort(value: string, flag = '--control-plane'): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new WeftError('WEFT_USAGE', `${flag} takes HOST:PORT (an IP address), got "${value}"`);
  return { host: m[1], port };
}

export function universalBootstrap(workload: Resource, o: UniversalOptions): Record<string, unknown> {
  const ns = workload.metadata.namespace ?? 'default';
  const cp = hostPort(o.controlPlane);
  return {
    node: {
      id: o.nodeId ?? `${workload.metadata.name}.${ns}`,
      cluster: workload.metadata.name,
      metadata: {
        NAMESPACE: ns,
        'weft.dev/client': 'sidecar',
        'weft.dev/namespace': ns,
        'weft.dev/workload': { metadata: { name: workload.metadata.name, namespace: ns, labels: workload.metadata.labels ?? {} }, spec: workload.spec },
        'weft.dev/inbound-port': String(o.inboundPort),
        'weft.dev/outbound-port': String(o.outboundPort),
        ...(o.identity !== undefined ? { 'weft.dev/identity': o.identity } : {}),
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [{
        name: 'xds_cluster',
        type: 'STATIC',
        connect_timeout: '1s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: {
          cluster_name: 'xds_cluster',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: cp.host, port_value: cp.port } } } }] }],
        },
      }],
    },
  };
}
