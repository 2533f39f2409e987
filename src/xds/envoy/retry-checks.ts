// Semantic checks on a decoded RetryPolicy: the retry_on conditions, the back-off bounds, and the
// extension names that must agree with their typed configs.

import { durationMs } from './duration.ts';
import type { FieldPath, Issues } from './issues.ts';
import { RETRY_ON, UNSUPPORTED_RETRY_ON, type RetryPolicy } from './retry-policy.ts';

const KNOWN: ReadonlySet<string> = new Set(RETRY_ON);
const REFUSED: ReadonlySet<string> = new Set(UNSUPPORTED_RETRY_ON);

/** The retry_on conditions, trimmed, without empty entries (Envoy splits on commas). */
export function retryOnConditions(retryOn: string | undefined): string[] {
  return (retryOn ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '');
}

export function checkRetryPolicy(p: RetryPolicy, path: FieldPath, issues: Issues): void {
  for (const c of retryOnConditions(p.retry_on)) {
    if (REFUSED.has(c)) issues.unsupported([...path, 'retry_on'], `Weft does not support the retry_on condition '${c}' yet (supported: ${RETRY_ON.join(', ')})`);
    else if (!KNOWN.has(c)) issues.invalid([...path, 'retry_on'], `unknown retry_on condition '${c}' (supported: ${RETRY_ON.join(', ')})`);
  }
  const b = p.retry_back_off;
  if (b?.max_interval !== undefined && durationMs(b.max_interval) < durationMs(b.base_interval)) {
    issues.invalid([...path, 'retry_back_off', 'max_interval'], `max_interval ${b.max_interval} is shorter than base_interval ${b.base_interval}; it must be at least as long`);
  }
  if (p.host_selection_retry_max_attempts !== undefined && p.host_selection_retry_max_attempts < 1) {
    issues.invalid([...path, 'host_selection_retry_max_attempts'], 'must be at least 1 (the number of times a host is picked for a retry)');
  }
  (p.retry_host_predicate ?? []).forEach((h, i) => {
    if (h.name !== 'envoy.retry_host_predicates.previous_hosts') {
      issues.invalid([...path, 'retry_host_predicate', i, 'name'], `the previous-hosts predicate is named 'envoy.retry_host_predicates.previous_hosts', not '${h.name}'`);
    }
  });
  if ((p.retriable_status_codes?.length ?? 0) > 0 && !retryOnConditions(p.retry_on).includes('retriable-status-codes')) {
    issues.invalid([...path, 'retriable_status_codes'], "retriable_status_codes take effect only with 'retriable-status-codes' in retry_on; add it there");
  }
}
