// The control plane's data directory, shared by `weft control-plane` and the commands that work on it directly (`weft token`, `weft identity`).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WeftError } from '../core/errors.ts';

export const DEFAULT_DATA_DIR = join(homedir(), '.weft', 'control-plane');

export const DATA_DIR_HELP = `      --data-dir DIR        the control plane's data directory (default: ${DEFAULT_DATA_DIR})`;

/**
 * The store flags of `weft control-plane` and `weft up`: --data-dir and --in-memory exclude each
 * other, and a flag of the identity service (which needs a data directory) is refused in memory.
 */
export function checkStoreFlags(values: { readonly 'in-memory'?: boolean; readonly 'data-dir'?: string } & Readonly<Record<string, unknown>>, identityFlags: readonly string[]): void {
  if (values['in-memory'] && values['data-dir'] !== undefined) throw new WeftError('WEFT_USAGE', 'use --data-dir DIR or --in-memory, not both');
  const given = identityFlags.find((f) => values[f] !== undefined);
  if (values['in-memory'] && given !== undefined) {
    throw new WeftError('WEFT_USAGE', `--${given} configures the identity service, which is off with --in-memory (its CA and tokens need a data directory); use --data-dir DIR`);
  }
}
