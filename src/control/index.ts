// control: the control plane (sources → model → translate → xDS), and its REST API.
export { startControlPlane, DEFAULT_XDS_PORT, type ControlPlaneOptions, type RunningControlPlane, type XdsServerStarter } from './control-plane.ts';
export { DEFAULT_API_PORT } from './api/index.ts';
export type { Status, StatusCause } from './api/index.ts';
export { pathOf } from './api/index.ts';
