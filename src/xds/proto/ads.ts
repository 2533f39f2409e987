// The ADS gRPC service (envoy.service.discovery.v3.AggregatedDiscoveryService) as a grpc-js service
// definition, and DiscoveryRequest / DiscoveryResponse in plain data. Shared by the control plane's
// server and the proxy's client; resources stay google.protobuf.Any (type URL + bytes) on the wire.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { WeftError } from '../../core/errors.ts';
import { anyFromJson, anyToJson, encodeJson, messageToJson } from './json.ts';
import { messageType } from './root.ts';

/** google.protobuf.Any as it travels inside a DiscoveryResponse. */
export interface AnyResource {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface DiscoveryRequest {
  readonly version_info: string;
  /** config.core.v3.Node in proto3 JSON (id, cluster, metadata, locality, user_agent_name, ...). */
  readonly node?: Readonly<Record<string, unknown>>;
  readonly resource_names: readonly string[];
  readonly type_url: string;
  readonly response_nonce: string;
  /** Set on a NACK: why the previous response was rejected. */
  readonly error_detail?: { readonly code: number; readonly message: string };
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly AnyResource[];
  readonly type_url: string;
  readonly nonce: string;
  readonly control_plane?: { readonly identifier: string };
}

export const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const DELTA_ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

const requestType = () => messageType('envoy.service.discovery.v3.DiscoveryRequest');
const responseType = () => messageType('envoy.service.discovery.v3.DiscoveryResponse');

export function encodeRequest(r: DiscoveryRequest): Buffer {
  return Buffer.from(encodeJson(requestType(), r));
}

export function decodeRequest(bytes: Buffer): DiscoveryRequest {
  const message = requestType().decode(bytes) as unknown as { error_detail?: { details?: unknown[] } };
  // google.rpc.Status details are Any of whatever the client likes; Weft reads only code and message.
  if (message.error_detail) message.error_detail.details = [];
  const json = messageToJson(requestType(), message as unknown as Record<string, unknown>) as Partial<DiscoveryRequest>;
  return {
    version_info: json.version_info ?? '',
    ...(json.node ? { node: json.node } : {}),
    resource_names: json.resource_names ?? [],
    type_url: json.type_url ?? '',
    response_nonce: json.response_nonce ?? '',
    ...(json.error_detail ? { error_detail: { code: json.error_detail.code ?? 0, message: json.error_detail.message ?? '' } } : {}),
  };
}

/** Without a nonce, the encoding can be shared and completed by encodeResponseNonce. */
export function encodeResponse(r: Omit<DiscoveryResponse, 'nonce'> & { readonly nonce?: string }): Buffer {
  const t = responseType();
  return Buffer.from(t.encode(t.fromObject(r as unknown as Record<string, unknown>)).finish());
}

/**
 * Only the nonce field of a DiscoveryResponse. Appended to an encoded response without a nonce it
 * yields the complete response (protobuf merges concatenated encodings), so one encoding of the
 * resources can go to many proxies.
 */
export function encodeResponseNonce(nonce: string): Buffer {
  const t = responseType();
  return Buffer.from(t.encode(t.fromObject({ nonce })).finish());
}

export function decodeResponse(bytes: Buffer): DiscoveryResponse {
  const m = responseType().decode(bytes) as unknown as {
    version_info: string; resources: { type_url: string; value: Uint8Array }[]; type_url: string; nonce: string;
    control_plane?: { identifier: string };
  };
  return {
    version_info: m.version_info,
    resources: m.resources.map((a) => ({ type_url: a.type_url, value: a.value })),
    type_url: m.type_url,
    nonce: m.nonce,
    ...(m.control_plane ? { control_plane: { identifier: m.control_plane.identifier } } : {}),
  };
}

/** An Envoy resource in proto3 JSON ({'@type' absent or equal to `typeUrl`}) → Any. */
export function packResource(typeUrl: string, resource: Readonly<Record<string, unknown>>): AnyResource {
  const { '@type': declared, ...fields } = resource;
  if (declared !== undefined && declared !== typeUrl) {
    throw new WeftError('WEFT_CONFIG_INVALID', `resource declares '@type' ${String(declared)} but is served as ${typeUrl}`);
  }
  const any = anyFromJson({ '@type': typeUrl, ...fields });
  return { type_url: typeUrl, value: any.value as Uint8Array };
}

/** Any → the resource in proto3 JSON, without '@type' (the shape a bootstrap file holds). */
export function unpackResource(any: AnyResource): Record<string, unknown> {
  const { '@type': _url, ...fields } = anyToJson(any as unknown as Record<string, unknown>);
  return fields;
}

const identity = (b: Buffer): Buffer => b;

/**
 * grpc-js service definition. Both methods move raw bytes; the server and client decode them
 * themselves so a malformed message becomes a clear stream error rather than a crash in grpc-js.
 */
const rawBidi = (path: string) => ({
  path,
  requestStream: true,
  responseStream: true,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

export const ADS_SERVICE: ServiceDefinition = {
  StreamAggregatedResources: rawBidi(ADS_METHOD),
  DeltaAggregatedResources: rawBidi(DELTA_ADS_METHOD),
};
