// What a check returns: ok / warning / failure with a one-line reason, a hint what to do, and details (one line each); checks are grouped in sections.

export type CheckStatus = 'ok' | 'warning' | 'failure';

export interface CheckResult {
  /** Stable, for scripts reading `-o json`: `identity.issuer`. */
  readonly id: string;
  /** What is checked, phrased as what should hold: "the issuer is valid". */
  readonly description: string;
  readonly status: CheckStatus;
  /** Why it holds or not, in one line. */
  readonly message: string;
  /** What to do; on warnings and failures. */
  readonly hint?: string;
  /** One line per offending item (a proxy, a certificate, a policy). */
  readonly details?: readonly string[];
}

export interface Section {
  readonly name: string;
  readonly checks: readonly CheckResult[];
}

type Check = Pick<CheckResult, 'id' | 'description'>;

export const ok = (check: Check, message: string): CheckResult => ({ ...check, status: 'ok', message });

export function problem(status: 'warning' | 'failure', check: Check, message: string, hint: string, details: readonly string[] = []): CheckResult {
  return { ...check, status, message, hint, ...(details.length > 0 ? { details } : {}) };
}

/** 1 when any check failed; warnings alone exit 0 (as `linkerd check`). */
export function exitCode(sections: readonly Section[]): number {
  return sections.some((s) => s.checks.some((c) => c.status === 'failure')) ? 1 : 0;
}

export const DAY_MS = 24 * 3600_000;
