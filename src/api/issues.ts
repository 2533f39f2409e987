// Validation problems as data: every problem carries the field path and the reason, and a
// resource reports all of them at once (capped) so a user fixes a file in one round trip.

import type { FieldPath } from '../core/field-path.ts';
import { basicRegexChecker, type RegexChecker } from './regex.ts';
export type { FieldPath };

export interface ApiIssue {
  readonly path: FieldPath;
  readonly message: string;
}

/** How many problems one resource reports; the rest are counted. */
export const MAX_ISSUES = 20;

export class IssueList {
  readonly list: ApiIssue[] = [];
  /** Problems found beyond MAX_ISSUES (counted, not kept). */
  dropped = 0;
  /** Checks RegularExpression values (RE2 in the control plane). */
  readonly regex: RegexChecker;

  constructor(regex: RegexChecker = basicRegexChecker) {
    this.regex = regex;
  }

  add(path: FieldPath, message: string): void {
    if (this.list.length >= MAX_ISSUES) this.dropped++;
    else this.list.push({ path, message });
  }

  get size(): number {
    return this.list.length + this.dropped;
  }
}

/** `spec.rules[0].matches[1].path.value`: the form kubectl prints and users search their YAML for. */
export { formatPath as fieldPath } from '../core/field-path.ts';
