// The checks every schema-driven decoder makes of a plain JSON value — type, string length,
// list size, numeric range — worded once, so the proxy's Envoy config and the control plane's
// resources report the same problem the same way.

/** How a value reads in a message: `null`, `a list`, `the string "x"`, `number 7`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** For a value that should have been a string (YAML turns `7` and `true` into non-strings). */
export function notAString(input: unknown): string {
  const hint = typeof input === 'number' || typeof input === 'boolean' ? ` (quote it: "${String(input)}")` : '';
  return `expected a string, got ${describeValue(input)}${hint}`;
}

export function lengthProblem(text: string, min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && text.length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
  if (max !== undefined && text.length > max) return `must be at most ${max} characters`;
  return undefined;
}

export function countProblems(length: number, min: number | undefined, max: number | undefined): string[] {
  const out: string[] = [];
  if (min !== undefined && length < min) out.push(`needs at least ${min} item${min === 1 ? '' : 's'}`);
  if (max !== undefined && length > max) out.push(`allows at most ${max} items, got ${length}`);
  return out;
}

export const NULL_ITEM = 'a list item must not be null';

export function rangeProblem(n: number, min: number | undefined, max: number | undefined): string | undefined {
  if ((min === undefined || n >= min) && (max === undefined || n <= max)) return undefined;
  const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
  return `must be ${range}, got ${n}`;
}
