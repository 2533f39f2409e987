// proxy/identity: the workload certificate client the TLS layer consumes (onUpdate → swap secure contexts; state 'expired' → fail closed).
export { IdentityClient, type IdentityClientOptions, type IdentityMetrics, type IdentityState, type IdentityUpdate, type Svid } from './client.ts';
