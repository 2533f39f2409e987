// control/api: the REST API the CLI and dashboard use.
export { startApiServer, DEFAULT_API_PORT, type ApiServer, type ApiServerOptions } from './server.ts';
export { pathOf, parsePath } from './paths.ts';
export { CA_PATH, type CaRotationApi, type CaStep } from './ca-routes.ts';
export type { Status, StatusCause } from './status.ts';
