// pki: the mesh's certificate authority, SPIFFE identities, CSRs and certificate checks. Imports only core.
export {
  parseSpiffeId, parseTrustDomain, parseWorkloadId, spiffeIdProblem, trustDomainOf, trustDomainProblem, workloadId, workloadIdProblem,
  type SpiffeId, type TrustDomain, type WorkloadIdentity,
} from './spiffe.ts';
export { PrivateKey } from './keys.ts';
export { writeFileAtomic } from './atomic-write.ts';
export { bundlePem, mergeBundles, parsePemCertificates, parseTrustBundle, trustBundle, type TrustBundle } from './bundle.ts';
export { CA_DIR_FILES, CertificateAuthority, createIssuer, createRoot, generateCa, loadCaFiles, openCaDirectory, type CaFiles, type CaLifetimes, type GeneratedCa } from './ca.ts';
export { createCsr, type WorkloadCsr } from './csr.ts';
export { checkLeafTtl, DEFAULT_BACKDATE_MS, DEFAULT_LEAF_TTL_MS, issueSvid, MAX_LEAF_TTL_MS, MIN_LEAF_TTL_MS, type IssuedSvid, type IssueOptions } from './issue.ts';
export { verifyChain, type ChainReason, type ChainResult, type Refusal } from './chain.ts';
export { assertPeer, peerError, verifyLeaf, verifyPeer, type PeerRefusalReason, type PeerRole, type PeerVerification, type VerifyOptions } from './verify.ts';
export { peerChainDer, spiffeServerIdentity, verifySocketPeer } from './tls-identity.ts';
export {
  CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SERVICE_ACCOUNT, CREATE_CERTIFICATE_METHOD, identityServiceClient, identityServiceDefinition,
  type CreateCertificateRequest, type CreateCertificateResponse, type IdentityServiceClient, type TrustBundleUpdate,
} from './identity-api.ts';
export { RotatingCa, type CaView, type RotatingCaOptions, type RotationPhase, type RotationRecord, type RotationStep } from './rotation.ts';
