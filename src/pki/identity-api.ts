// The identity service's gRPC contract (proto/weft/identity/v1/identity.proto), shared by the control plane that serves it and the proxy that calls it.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../../proto/weft/identity/v1/identity.proto', import.meta.url));

/** The full gRPC method name, for logs and docs. */
export const CREATE_CERTIFICATE_METHOD = '/weft.identity.v1.IdentityService/CreateCertificate';

export interface CreateCertificateRequest {
  readonly csr: string;
  /** Seconds; 0 = the server's default. */
  readonly validity_duration: number;
}

export interface CreateCertificateResponse {
  readonly cert_chain: readonly string[];
  readonly trust_bundle: readonly string[];
  readonly spiffe_id: string;
  /** Seconds since the epoch. */
  readonly not_after: number;
}

/** The full gRPC method name of the bundle watch. */

export interface TrustBundleUpdate {
  readonly trust_bundle: readonly string[];
  /** SHA-256 fingerprint, colon-separated hex (node:crypto's `fingerprint256`). */
  readonly issuer_fingerprint: string;
  readonly phase: string;
}

let definition: grpc.ServiceDefinition | undefined;

/** The IdentityService definition, loaded once (keepCase: the fields keep their proto names). */
export function identityServiceDefinition(): grpc.ServiceDefinition {
  if (definition) return definition;
  const packageDefinition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as { weft: { identity: { v1: { IdentityService: grpc.ServiceClientConstructor } } } };
  definition = loaded.weft.identity.v1.IdentityService.service;
  return definition;
}

/** A client stub. */
export interface IdentityServiceClient extends grpc.Client {
  WatchTrustBundle(request: Record<string, never>, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<TrustBundleUpdate>;
  CreateCertificate(
    request: CreateCertificateRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, response?: CreateCertificateResponse) => void,
  ): grpc.ClientUnaryCall;
}

export function identityServiceClient(address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions): IdentityServiceClient {
  const Client = grpc.makeGenericClientConstructor(identityServiceDefinition(), 'IdentityService');
  // The SNI name: the peer is checked by SPIFFE ID, and an IP address is not a valid server name (RFC 6066).
  return new Client(address, credentials, { 'grpc.ssl_target_name_override': CONTROL_PLANE_SERVICE_ACCOUNT, ...options }) as unknown as IdentityServiceClient;
}

/** The SPIFFE ID the control plane's TLS port presents: `spiffe://<trust-domain>/ns/weft-system/sa/weft-control-plane`. */
export const CONTROL_PLANE_NAMESPACE = 'weft-system';
export const CONTROL_PLANE_SERVICE_ACCOUNT = 'weft-control-plane';
