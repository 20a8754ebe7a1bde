/**
 * Conversion rates and their comparison, for two independent groups of an experiment: the
 * customers a group entered and those of them who converted (reached the goal).
 *
 * - A rate's interval is Wilson's score interval (Wilson 1927; method 3 of Newcombe 1998,
 *   "Two-sided confidence intervals for the single proportion", Stat Med 17:857): it stays inside
 *   [0, 1] and keeps its coverage at rates near 0, where conversions are.
 * - A difference of rates has Newcombe's hybrid score interval (method 10 of Newcombe 1998,
 *   "Interval estimation for the difference between independent proportions", Stat Med 17:873),
 *   built from the two Wilson intervals.
 * - A relative lift (rate ÷ reference rate − 1) has the log-ratio interval by the delta method
 *   (Katz et al. 1978): log of the ratio ± z·√(1/x₁ − 1/n₁ + 1/x₀ − 1/n₀), exponentiated. It is
 *   undefined while either group has no conversion.
 * - The test is the pooled two-proportion z-test without continuity correction: z² is Pearson's
 *   χ² of the 2×2 table (R's `prop.test(correct = FALSE)`). Yates's correction makes the test
 *   conservative at the sample sizes journeys reach, and the intervals above carry none either.
 */
import { twoSidedP, Z_95 } from './normal.js';

/** One group's counts: customers who entered it, and how many of them converted. */
export interface Counts {
  entered: number;
  converted: number;
}

/** A point estimate with its 95 % interval. */
export interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
}

/** Counts must be whole, 0 ≤ converted ≤ entered, and at least one customer: a rate of nobody is not 0. */
function checkCounts(field: string, c: Counts): void {
  if (!Number.isSafeInteger(c.entered) || c.entered < 1) throw new RangeError(`${field}.entered: a whole number of at least 1 (got ${c.entered})`);
  if (!Number.isSafeInteger(c.converted) || c.converted < 0 || c.converted > c.entered)
    throw new RangeError(`${field}.converted: a whole number from 0 to entered (${c.entered}); got ${c.converted}`);
}

/**
 * The conversion rate with Wilson's 95 % score interval.
 * @example wilson({ entered: 263, converted: 81 }) // { estimate: 0.308, lower: 0.2553, upper: 0.3662 }
 */
export function wilson(c: Counts): Estimate {
  checkCounts('group', c);
  const n = c.entered;
  const p = c.converted / n;
  const z2 = Z_95 * Z_95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z_95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n conversions the bound is exactly 0 or 1; rounding would leave 1e-17 outside.
  return { estimate: p, lower: c.converted === 0 ? 0 : centre - half, upper: c.converted === n ? 1 : centre + half };
}

/**
 * The difference of rates `group − reference` with Newcombe's hybrid score 95 % interval.
 * @example difference({ entered: 70, converted: 56 }, { entered: 80, converted: 48 }) // { estimate: 0.2, lower: 0.0524, upper: 0.3339 }
 */
export function difference(group: Counts, reference: Counts): Estimate {
  const a = wilson(group);
  const b = wilson(reference);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    lower: Math.max(-1, d - Math.hypot(a.estimate - a.lower, b.upper - b.estimate)),
    upper: Math.min(1, d + Math.hypot(a.upper - a.estimate, b.estimate - b.lower)),
  };
}

/**
 * The relative lift `rate ÷ reference rate − 1` with the log-ratio 95 % interval; null while
 * either group has no conversion (the ratio or its logarithm is undefined).
 * @example relativeLift({ entered: 70, converted: 56 }, { entered: 80, converted: 48 }) // { estimate: 0.3333, lower: 0.0767, upper: 0.6511 }
 */
export function relativeLift(group: Counts, reference: Counts): Estimate | null {
  checkCounts('group', group);
  checkCounts('reference', reference);
  if (group.converted === 0 || reference.converted === 0) return null;
  const ratio = group.converted / group.entered / (reference.converted / reference.entered);
  const se = Math.sqrt(1 / group.converted - 1 / group.entered + 1 / reference.converted - 1 / reference.entered);
  return { estimate: ratio - 1, lower: ratio * Math.exp(-Z_95 * se) - 1, upper: ratio * Math.exp(Z_95 * se) - 1 };
}

/**
 * The pooled two-proportion z-test of equal rates, two-sided, without continuity correction. When
 * no one or everyone converted in both groups the rates cannot differ: z 0, p 1.
 * @example twoProportionTest({ entered: 70, converted: 56 }, { entered: 80, converted: 48 }) // { z: 2.6502, pValue: 0.00804 }
 */
export function twoProportionTest(group: Counts, reference: Counts): { z: number; pValue: number } {
  checkCounts('group', group);
  checkCounts('reference', reference);
  const pooled = (group.converted + reference.converted) / (group.entered + reference.entered);
  if (pooled === 0 || pooled === 1) return { z: 0, pValue: 1 };
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / group.entered + 1 / reference.entered));
  const z = (group.converted / group.entered - reference.converted / reference.entered) / se;
  return { z, pValue: twoSidedP(z) };
}
