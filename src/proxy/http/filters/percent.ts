// Envoy's FractionalPercent as a probability, and the unsigned integers fault headers carry.
import type { FractionalPercent } from '../../../xds/envoy/index.ts';

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

export interface Fraction {
  readonly numerator: number;
  readonly denominator: number;
}

/** An unset FractionalPercent is 0 % (proto defaults), as in Envoy. */
export function fractionOf(p: FractionalPercent | undefined): Fraction {
  return { numerator: p?.numerator ?? 0, denominator: DENOMINATORS[p?.denominator ?? 'HUNDRED'] };
}

/** One draw: true for numerator/denominator of the calls (always when numerator ≥ denominator). */
export function sample(f: Fraction): boolean {
  if (f.numerator >= f.denominator) return true;
  return f.numerator > 0 && Math.random() * f.denominator < f.numerator;
}

const UINT = /^\s*\+?(\d{1,15})\s*$/;

/** absl::SimpleAtoi for an unsigned header value: digits, optional '+' and surrounding spaces; else -1. */
export function headerUint(value: string | undefined): number {
  if (value === undefined) return -1;
  const m = UINT.exec(value);
  return m === null ? -1 : Number(m[1]);
}
