/**
 * Every attribute as small integer bins, so that finding a node's best split is one pass over its
 * rows into a histogram (count and positives per bin) and one sweep over at most a few hundred bins,
 * instead of a sort per node (docs/insight-tree.md, "Histogram or exact").
 *
 * Numbers and dates: a column with at most `maxBins` distinct values gets one bin per value (exact
 * CART); a wider one gets quantile bins. Each bin's upper bound is a value seen in the data, so the
 * split "bin ≤ k" is exactly the rule "value ≤ upper[k]" and scoring on raw values routes every
 * training row as training did. Categories keep their codes (one bin per level). The missing value
 * of every attribute is one extra bin, the last.
 */
import { MofangError } from '../../errors.js';
import { isNumeric, type FeatureColumn } from './columns.js';

/** Most levels of a categorical attribute: a split's level list becomes an `in` list of a rule (rules/rule.ts caps those at 1000). */
const MAX_LEVELS = 1000;

export interface BinnedFeature {
  column: FeatureColumn;
  /** Bin of each row; a missing value is in bin `missingBin`. */
  bins: Uint16Array;
  /** Number of non-missing bins; also the index of the missing bin. */
  missingBin: number;
  /** Numeric columns: the largest value of each bin, ascending. */
  uppers?: Float64Array;
}

export function binFeature(column: FeatureColumn, maxBins: number): BinnedFeature {
  const n = column.missing.length;
  const bins = new Uint16Array(n);
  if (!isNumeric(column)) {
    if (column.levels.length > MAX_LEVELS) {
      throw new MofangError(
        'TREE_INPUT_INVALID',
        `attribute ${column.name} has ${column.levels.length} distinct values, more than the ${MAX_LEVELS} a tree split may list`,
        { attribute: column.name, limit: MAX_LEVELS },
      );
    }
    const missingBin = column.levels.length;
    for (let r = 0; r < n; r++) bins[r] = column.missing[r] ? missingBin : column.codes[r];
    return { column, bins, missingBin };
  }
  const { values } = column;
  const uppers = binUppers(values, column.missing, maxBins);
  const missingBin = uppers.length;
  for (let r = 0; r < n; r++) bins[r] = column.missing[r] ? missingBin : firstAtLeast(uppers, values[r]);
  return { column, bins, missingBin, uppers };
}

/** Upper bounds of the bins: the distinct values if few enough, else the values at `maxBins` quantiles. */
function binUppers(values: Float64Array, missing: Uint8Array, maxBins: number): Float64Array {
  let present = 0;
  for (let r = 0; r < missing.length; r++) present += missing[r] ^ 1;
  const sorted = new Float64Array(present);
  for (let r = 0, i = 0; r < missing.length; r++) if (!missing[r]) sorted[i++] = values[r];
  sorted.sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= maxBins; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  }
  if (distinct.length <= maxBins) return Float64Array.from(distinct);
  const uppers: number[] = [];
  for (let k = 1; k <= maxBins; k++) {
    const v = sorted[Math.ceil((k * sorted.length) / maxBins) - 1];
    // A heavy value spans several quantiles: one bin.
    if (uppers.length === 0 || v > uppers[uppers.length - 1]) uppers.push(v);
  }
  return Float64Array.from(uppers);
}

/** Index of the first bound ≥ x (x never exceeds the last bound, which is the column's maximum). */
function firstAtLeast(uppers: Float64Array, x: number): number {
  let lo = 0;
  let hi = uppers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (uppers[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
