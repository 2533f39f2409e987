// Which kind of xDS client a node is, from its `node.metadata` (documented in docs/xds.md):
// a Weft sidecar names its Workload; a proxyless gRPC client says so. Anything else gets the
// outbound view of its namespace, as a sidecar without a Workload would.

export const META = {
  client: 'weft.dev/client',
  workload: 'weft.dev/workload',
  namespace: 'weft.dev/namespace',
  inboundPort: 'weft.dev/inbound-port',
  outboundPort: 'weft.dev/outbound-port',
  /** The SPIFFE ID the sidecar's identity agent holds: it speaks mTLS. */
  identity: 'weft.dev/identity',
  /** Istio's flag for proxyless gRPC, accepted too. */
  proxylessGrpc: 'PROXYLESS_GRPC',
} as const;

export const DEFAULT_INBOUND_PORT = 15006;
export const DEFAULT_OUTBOUND_PORT = 15001;

export type NodeKind =
  | {
      readonly kind: 'sidecar';
      readonly namespace: string;
      /** `namespace/name` of the Workload the sidecar fronts; absent: outbound only. */
      readonly workload?: string;
      readonly inboundPort: number;
      readonly outboundPort: number;
      /** It runs the identity agent (node metadata `weft.dev/identity`): it gets mTLS config. */
      readonly mtls: boolean;
    }
  | { readonly kind: 'proxyless-grpc'; readonly namespace: string };

function port(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
}

/** The Workload key named by metadata: `weft.dev/workload` is `namespace/name` or a Workload object. */
function workloadKey(v: unknown): string | undefined {
  if (typeof v === 'string' && /^[a-z0-9-]+\/[a-z0-9.-]+$/.test(v)) return v;
  if (v !== null && typeof v === 'object') {
    const meta = (v as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
    if (typeof meta?.name === 'string') return `${typeof meta.namespace === 'string' ? meta.namespace : 'default'}/${meta.name}`;
  }
  return undefined;
}

export function classifyNode(metadata: Readonly<Record<string, unknown>> | undefined): NodeKind {
  const m = metadata ?? {};
  const client = m[META.client];
  const explicitNs = typeof m[META.namespace] === 'string' && m[META.namespace] !== '' ? (m[META.namespace] as string) : undefined;
  if (client === 'proxyless-grpc' || client === 'grpc' || m[META.proxylessGrpc] === true || m[META.proxylessGrpc] === 'true') {
    return { kind: 'proxyless-grpc', namespace: explicitNs ?? 'default' };
  }
  const workload = workloadKey(m[META.workload]);
  return {
    kind: 'sidecar',
    namespace: explicitNs ?? workload?.split('/')[0] ?? 'default',
    ...(workload !== undefined ? { workload } : {}),
    inboundPort: port(m[META.inboundPort], DEFAULT_INBOUND_PORT),
    outboundPort: port(m[META.outboundPort], DEFAULT_OUTBOUND_PORT),
    mtls: typeof m[META.identity] === 'string' && (m[META.identity] as string).startsWith('spiffe://'),
  };
}

/** A connected sidecar that fronts a Workload, as the translation of every node sees it. */
export interface Sidecar {
  readonly inboundPort: number;
  readonly mtls: boolean;
}
