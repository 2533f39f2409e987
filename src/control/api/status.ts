// Errors as Kubernetes Status objects (code, reason, message, details.causes with field
// paths), so kubectl-shaped clients and humans read them the same way.

import { isWeftError, type WeftError } from '../../core/errors.ts';
import type { Problem } from '../../api/index.ts';

export type StatusReason =
  | 'BadRequest' | 'Forbidden' | 'NotFound' | 'Conflict' | 'Expired' | 'Invalid' | 'MethodNotAllowed'
  | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'InternalError';

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
  /** `file:line:col` of the field in the submitted text (Weft's addition). */
  readonly location?: string;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason?: StatusReason;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly causes?: readonly StatusCause[] };
  readonly code: number;
}

const CODES: Readonly<Record<StatusReason, number>> = {
  BadRequest: 400, Forbidden: 403, NotFound: 404, Conflict: 409, Expired: 410, Invalid: 422, MethodNotAllowed: 405,
  RequestEntityTooLarge: 413, UnsupportedMediaType: 415, InternalError: 500,
};

export function failure(reason: StatusReason, message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code: CODES[reason] };
}

export function success(message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message, ...(details ? { details } : {}), code: 200 };
}

/** Validation problems: 422 Invalid with one cause per problem. */
export function invalid(message: string, problems: readonly Problem[]): Status {
  return failure('Invalid', message, {
    causes: problems.map((p) => ({ reason: p.field ? 'FieldValueInvalid' : 'Invalid', message: p.message, ...(p.field ? { field: p.field } : {}), location: p.where })),
  });
}

export function fromError(err: unknown): Status {
  if (!isWeftError(err)) return failure('InternalError', `internal error (please report it): ${(err as Error)?.message ?? String(err)}`);
  const e = err as WeftError;
  switch (e.code) {
    case 'WEFT_NOT_FOUND': return failure('NotFound', e.message);
    case 'WEFT_CONFLICT': return failure('Conflict', e.message);
    case 'WEFT_GONE': return failure('Expired', e.message);
    case 'WEFT_CONFIG_INVALID': return failure('Invalid', e.message);
    case 'WEFT_USAGE': return failure('BadRequest', e.message);
    default: return failure('InternalError', e.message);
  }
}
