// core: the bottom of the import graph. Nothing here imports from another Weft folder.
export { WeftError, isWeftError, type WeftErrorCode } from './errors.ts';
export { formatPath, type FieldPath } from './field-path.ts';
export { Backoff, type BackoffOptions } from './backoff.ts';
export { weftVersion } from './version.ts';
