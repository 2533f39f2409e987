// control/identity: workload tokens, the CSR signer, renewals, the issuance log and the identity gRPC service.
export { DEFAULT_TOKEN_TTL_MS, MAX_TOKEN_TTL_MS, openTokenKey, WorkloadTokens, type Authentication, type MintedToken, type MintOptions, type TokenClaims, type TokenRefusalReason, type WorkloadAuthenticator } from './tokens.ts';
export { FileTokenStore, type TokenStore } from './token-store.ts';
export { caSource, type CaSource } from './ca-source.ts';
export { CaAdmin, type CaCertificateView, type CaStatus, type RotateOptions } from './ca-admin.ts';
export { IdentitySigner, type SignRequest, type SignResponse, type SignerOptions } from './signer.ts';
export { IssuanceLog, readIssuanceLog, type IssuedRecord } from './issuance-log.ts';
export { RenewalAuthenticator, type RevocationCheck } from './renewal.ts';
export {
  addIdentityService, controlPlaneIdentity, controlPlaneTls, createIdentityServer, mountIdentityService, type MountedIdentity, DEFAULT_IDENTITY_PLAINTEXT_PORT, DEFAULT_IDENTITY_TLS_PORT,
  type ControlPlaneTls, type IdentityServerOptions, type IdentityServiceOptions, type RunningIdentityServer,
} from './service.ts';
export { identityDataPaths, openIdentityDataDir, openTokens, type IdentityDataPaths, type OpenedIdentity } from './data-dir.ts';
export { certificateView, identityView, newestPerIdentity, type CertificateView, type IdentityView, type IdentityViewInput, type IssuerView, type WorkloadCertificateView } from './view.ts';
