// Encodes DiscoveryResponses once per (cache view, subscription) and shares the bytes between all
// proxies that see the same resources; only the nonce differs per proxy. Protobuf lets a message be
// sent as the concatenation of two encodings (fields merge), so a response is the shared body
// followed by a tiny per-proxy nonce field. With 1,000 proxies this turns 1,000 encodings of the
// same table into one.
import { encodeResponse, encodeResponseNonce } from '../../xds/proto/index.ts';
import type { PackedResource, TypeSnapshot } from './cache.ts';

/** Distinct subscriptions remembered per view; beyond that, responses are encoded per proxy. */
const MAX_BODIES_PER_VIEW = 64;

export class ResponseEncoder {
  private readonly bodies = new WeakMap<TypeSnapshot, Map<string, Buffer>>();

  /**
   * `selection` names the subscription ('*' for wildcard, else the sorted names) so that equal
   * subscriptions to the same view share one body.
   */
  encode(typeUrl: string, view: TypeSnapshot, selection: string, resources: readonly PackedResource[], nonce: string): Buffer {
    let byKey = this.bodies.get(view);
    if (byKey === undefined) {
      byKey = new Map();
      this.bodies.set(view, byKey);
    }
    let body = byKey.get(selection);
    if (body === undefined) {
      body = encodeResponse({ version_info: view.version, resources: resources.map((p) => p.any), type_url: typeUrl, control_plane: { identifier: 'weft' } });
      if (byKey.size < MAX_BODIES_PER_VIEW) byKey.set(selection, body);
    }
    return Buffer.concat([body, encodeResponseNonce(nonce)]);
  }
}
