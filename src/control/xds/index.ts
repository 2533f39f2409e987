// control/xds: the ADS server — snapshot cache in, state-of-the-world streams out (versions,
// nonces, ACK/NACK, push order CDS → EDS → LDS → RDS, debounced pushes).
export { ANY_NODE, PUSH_ORDER, SnapshotCache, isResourceType, type ResourceTypeUrl, type TypeSnapshot, type XdsResource } from './cache.ts';
export { AdsStream, type Nack, type StreamEvent, type StreamOptions, type TypeStatus } from './stream.ts';
export { DEFAULT_XDS_PORT, startAdsServer, type AdsServer, type AdsServerOptions, type ConnectedProxy } from './server.ts';
