// Config problems as data: collected while decoding and checking a resource, then reported together.
// Collecting (instead of throwing on the first) lets a user fix a whole file in one round trip.

import { WeftError } from '../../core/errors.ts';
import { formatPath, type FieldPath } from '../../core/field-path.ts';

/** Paths are formatted by core (shared with src/api). */
export { formatPath, type FieldPath };
export type IssueCode = 'WEFT_CONFIG_INVALID' | 'WEFT_CONFIG_UNSUPPORTED';

export interface ConfigIssue {
  readonly code: IssueCode;
  readonly path: FieldPath;
  readonly message: string;
}

/** How many problems one error message lists; the rest are counted. */
export const MAX_REPORTED_ISSUES = 20;

export class Issues {
  readonly list: ConfigIssue[] = [];

  invalid(path: FieldPath, message: string): void {
    this.list.push({ code: 'WEFT_CONFIG_INVALID', path, message });
  }

  unsupported(path: FieldPath, message: string): void {
    this.list.push({ code: 'WEFT_CONFIG_UNSUPPORTED', path, message });
  }

  get size(): number {
    return this.list.length;
  }
}

/** One error carrying every issue; `path` is set when there is exactly one. */
export class ConfigError extends WeftError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], message: string) {
    const code = issues.every((i) => i.code === 'WEFT_CONFIG_UNSUPPORTED')
      ? 'WEFT_CONFIG_UNSUPPORTED'
      : 'WEFT_CONFIG_INVALID';
    const single = issues.length === 1 ? formatPath(issues[0].path) : undefined;
    super(code, message, single ? { path: single } : undefined);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Builds the error for `issues` found in `source`. `locate` may map a path to `file:line:col`
 * so the message points into the user's file.
 */
export function toConfigError(
  issues: readonly ConfigIssue[],
  source: string,
  locate?: (path: FieldPath) => string | undefined,
): ConfigError {
  const line = (i: ConfigIssue): string => {
    const where = locate?.(i.path);
    return where ? `${i.message} (${where})` : i.message;
  };
  if (issues.length === 1) {
    const where = locate?.(issues[0].path) ?? source;
    return new ConfigError(issues, `${issues[0].message} (${where})`);
  }
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  const rest = issues.length - shown.length;
  const body = shown.map((i) => `  - ${formatPath(i.path) || '(top level)'}: ${line(i)}`).join('\n');
  const more = rest > 0 ? `\n  … and ${rest} more` : '';
  return new ConfigError(issues, `${source}: ${issues.length} problems in the configuration:\n${body}${more}`);
}
