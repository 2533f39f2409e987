// control/api: the REST API the CLI and dashboard use.
export { startApiServer, DEFAULT_API_PORT, type ApiServer, type ApiServerOptions } from './server.ts';
export { pathOf, parsePath } from './paths.ts';
export type { Status, StatusCause } from './status.ts';
