// xds/proto: the Envoy v3 protos at run time — loading, proto3 JSON ⇄ messages, google.protobuf.Any,
// and the ADS gRPC service. Shared by the control plane and the proxy.
export { envoyRoot, findType, messageType } from './root.ts';
export { anyFromJson, anyToJson, encodeJson, messageFromJson, messageToJson, typeOfUrl } from './json.ts';
export {
  ADS_METHOD, ADS_SERVICE, DELTA_ADS_METHOD, decodeRequest, decodeResponse, encodeRequest, encodeResponse, encodeResponseNonce, packResource, unpackResource,
  type AnyResource, type DiscoveryRequest, type DiscoveryResponse,
} from './ads.ts';
