/**
 * An experiment's groups side by side: each group's conversion rate, and each group against the
 * reference — the control group when there is one (it receives nothing: the lift is what the
 * messages add), else the first branch. P-values are adjusted with Holm's step-down method over
 * all the comparisons, so reading k of them at once keeps the chance of any false finding at α.
 */
import { CONTROL_KEY } from './assign.js';
import { type Counts, difference, type Estimate, relativeLift, twoProportionTest, wilson } from './proportions.js';

/** A group's counts so far: customers assigned to it, and how many of them reached the goal. */
export interface GroupCounts extends Counts {
  key: string;
}

interface GroupRate extends GroupCounts {
  /** The conversion rate with its Wilson 95 % interval; null while no one has entered. */
  rate: Estimate | null;
}

export interface Comparison {
  key: string;
  /** The group compared against: the control group, or the first branch. */
  reference: string;
  /** Rate minus the reference's rate, with Newcombe's 95 % interval. */
  difference: Estimate | null;
  /** Rate ÷ the reference's rate − 1, with the log-ratio 95 % interval; null while either has no conversion. */
  relativeLift: Estimate | null;
  /** The two-proportion z-test, two-sided. */
  z: number | null;
  pValue: number | null;
  /** Holm-adjusted over the comparisons that have a p-value. */
  adjustedPValue: number | null;
}

export interface GroupComparison {
  reference: string;
  groups: GroupRate[];
  comparisons: Comparison[];
}

/**
 * Holm's step-down adjustment (Holm 1979): the i-th smallest of m p-values is multiplied by
 * m − i + 1, then made monotone and capped at 1. Same order as given.
 * @example holm([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06], as R's p.adjust(method = "holm")
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * Every group's rate, and every other group against the reference.
 * @example compareGroups([{ key: 'sms', entered: 4000, converted: 240 }, { key: 'control', entered: 1000, converted: 45 }])
 */
export function compareGroups(groups: readonly GroupCounts[]): GroupComparison {
  if (groups.length < 2) throw new RangeError(`groups: an experiment compares at least two groups (got ${groups.length})`);
  const keys = new Set(groups.map((g) => g.key));
  if (keys.size !== groups.length) throw new RangeError('groups: each key once');
  const reference = groups.find((g) => g.key === CONTROL_KEY) ?? groups[0];
  const seen = (g: GroupCounts) => g.entered > 0;
  const rates = groups.map((g) => ({ ...g, rate: seen(g) ? wilson(g) : null }));
  const comparisons: Comparison[] = groups
    .filter((g) => g !== reference)
    .map((g) => {
      const both = seen(g) && seen(reference);
      const test = both ? twoProportionTest(g, reference) : null;
      return {
        key: g.key,
        reference: reference.key,
        difference: both ? difference(g, reference) : null,
        relativeLift: both ? relativeLift(g, reference) : null,
        z: test?.z ?? null,
        pValue: test?.pValue ?? null,
        adjustedPValue: null,
      };
    });
  const tested = comparisons.filter((c) => c.pValue !== null);
  holm(tested.map((c) => c.pValue as number)).forEach((p, i) => {
    tested[i].adjustedPValue = p;
  });
  return { reference: reference.key, groups: rates, comparisons };
}
