// Loads an Envoy bootstrap (YAML or JSON) into a validated, defaulted, deeply frozen Bootstrap —
// the object the proxy builds from and /config_dump prints. Every problem names its field path.

import { readFileSync, statSync } from 'node:fs';
import { WeftError } from '../../core/errors.ts';
import { Bootstrap, Issues, decode, toConfigError } from '../../xds/envoy/index.ts';
import { checkBootstrap } from './checks.ts';
import { parseConfigText } from './parse.ts';

/** Larger files are refused before parsing (RELIABILITY.md D5: a 50 MB update must not hurt). */
export const MAX_BOOTSTRAP_BYTES = 8 * 1024 * 1024;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function tooLarge(source: string, bytes: number): WeftError {
  return new WeftError(
    'WEFT_CONFIG_INVALID',
    `${source} is ${bytes} bytes; a bootstrap may be at most ${MAX_BOOTSTRAP_BYTES} bytes`,
  );
}

/**
 * Parses and validates `text` (YAML 1.2 or JSON). `source` names it in messages (usually the path).
 * Throws a ConfigError (a WeftError) listing up to 20 problems. Structural problems are reported
 * first; cross-field checks (references, duplicates, ports) run once the structure is sound, so
 * they never complain about a field that was already reported as malformed.
 */
export function loadBootstrap(text: string, source: string): Bootstrap {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BOOTSTRAP_BYTES) throw tooLarge(source, bytes);
  const parsed = parseConfigText(text, source);
  const issues = new Issues();
  const value = decode(Bootstrap, parsed.value, [], issues) as Bootstrap;
  if (issues.size === 0) checkBootstrap(value, issues);
  if (issues.size > 0) throw toConfigError(issues.list, source, (p) => parsed.locate(p));
  return deepFreeze(value);
}

/** Reads and loads a bootstrap file; unreadable files are WEFT_IO errors. */
export function loadBootstrapFile(path: string): Bootstrap {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_BOOTSTRAP_BYTES) throw tooLarge(path, size);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof WeftError) throw err;
    throw new WeftError('WEFT_IO', `cannot read bootstrap ${path}: ${(err as Error).message}`, { cause: err });
  }
  return loadBootstrap(text, path);
}
