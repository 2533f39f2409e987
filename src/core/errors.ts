// One error type for all of Weft: a stable code, a message that says what to do, and where.
// Codes are part of the public surface (logs, CLI output, tests grep for them): never rename one.

export type WeftErrorCode =
  | 'WEFT_CONFIG_INVALID'      // user configuration rejected (field path in `path`)
  | 'WEFT_CONFIG_UNSUPPORTED'  // a valid Envoy field Weft does not implement
  | 'WEFT_IO'                  // a file or socket could not be used
  | 'WEFT_USAGE'               // wrong command-line usage
  | 'WEFT_CERT_INVALID'        // a certificate or chain refused (reason code in the message)
  | 'WEFT_CSR_INVALID'         // a certificate signing request malformed or not signable
  | 'WEFT_IDENTITY_DENIED'     // a CSR asks for an identity its caller is not authorised for
  | 'WEFT_TOKEN_INVALID'       // a workload token forged, expired, revoked or replayed
  | 'WEFT_NOT_FOUND'           // a named resource does not exist
  | 'WEFT_CONFLICT'            // a write raced another (stale resourceVersion)
  | 'WEFT_GONE'                // a watch asked for history that was compacted away
  | 'WEFT_INTERNAL';           // a bug: please report it

export class WeftError extends Error {
  readonly code: WeftErrorCode;
  /** Field path of the offending input, e.g. `static_resources.listeners[0].address`. */
  readonly path: string | undefined;

  constructor(code: WeftErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(options?.path ? `${options.path}: ${message}` : message, { cause: options?.cause });
    this.name = 'WeftError';
    this.code = code;
    this.path = options?.path;
  }
}

export function isWeftError(err: unknown): err is WeftError {
  return err instanceof WeftError;
}
