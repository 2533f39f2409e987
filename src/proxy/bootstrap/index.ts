// proxy/bootstrap: `weft proxy --bootstrap FILE` — Envoy bootstrap loading and validation.
export { loadBootstrap, loadBootstrapFile, MAX_BOOTSTRAP_BYTES } from './load.ts';
export type { Bootstrap } from '../../xds/envoy/index.ts';
