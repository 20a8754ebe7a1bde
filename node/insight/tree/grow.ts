/**
 * CART growth (Breiman et al. 1984) for a binary target on binned attributes.
 *
 * Each node owns a contiguous range of `rows`; its histogram holds, per attribute and bin, the rows
 * and positives of that range. The best split of an attribute is one sweep over its non-empty bins
 * in a fixed order — ascending value for numbers and dates; ascending positive rate for categories,
 * which for two classes finds the best of all 2^(k−1) subsets (Breiman et al. 1984; Fisher 1958) —
 * with the missing bin tried on each side. After the split only the smaller child's histogram is
 * counted; the larger one is the parent's minus it. Work is O(rows × attributes × depth / 2).
 */
import type { BinnedFeature } from './binning.js';
import type { Split, TreeNode } from './model.js';

export interface GrowLimits {
  maxDepth: number;
  minLeaf: number;
  minImpurityDecrease: number;
}

export interface GrownTree {
  nodes: TreeNode[];
  /** Sum of the weighted Gini decreases of each attribute's splits. */
  decrease: Float64Array;
}

const BOTH_SIDES = [true, false] as const;
const ONE_SIDE = [true] as const;

/** Below this a "decrease" is rounding noise, not a better split. */
const EPSILON = 1e-12;

interface Candidate {
  score: number; // Σ over children of p(n − p)/n: smaller is purer
  feature: number;
  order: Int32Array; // bins in sweep order
  prefix: number; // bins order[0..prefix] go left
  missingLeft: boolean;
}

/**
 * Grows a tree over `rows` (training row indices; reordered in place).
 *
 * @example const { nodes } = growTree(binned, labels, trainRows, { maxDepth: 5, minLeaf: 50, minImpurityDecrease: 0 });
 */
export function growTree(features: readonly BinnedFeature[], labels: Uint8Array, rows: Uint32Array, limits: GrowLimits): GrownTree {
  const offsets = new Int32Array(features.length + 1);
  features.forEach((f, i) => (offsets[i + 1] = offsets[i] + 2 * (f.missingBin + 1)));
  const total = rows.length;
  const decrease = new Float64Array(features.length);
  const nodes: TreeNode[] = [];
  let leaves = 0;

  const fill = (hist: Uint32Array, start: number, end: number) => {
    for (let f = 0; f < features.length; f++) {
      const bins = features[f].bins;
      const o = offsets[f];
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const k = o + 2 * bins[r];
        hist[k]++;
        hist[k + 1] += labels[r];
      }
    }
  };

  const best = (hist: Uint32Array, n: number, p: number): Candidate | undefined => {
    let found: Candidate | undefined;
    let bestScore = Infinity;
    for (let f = 0; f < features.length; f++) {
      const { missingBin, uppers } = features[f];
      const o = offsets[f];
      const missingN = hist[o + 2 * missingBin];
      const missingP = hist[o + 2 * missingBin + 1];
      let used = 0;
      const order = new Int32Array(missingBin);
      for (let b = 0; b < missingBin; b++) if (hist[o + 2 * b] > 0) order[used++] = b;
      if (used === 0) continue;
      const sweep = order.subarray(0, used);
      // Categories by positive rate (ties by code, for a deterministic tree).
      if (!uppers) sweep.sort((a, b) => hist[o + 2 * a + 1] / hist[o + 2 * a] - hist[o + 2 * b + 1] / hist[o + 2 * b] || a - b);
      // Missing rows with the left child, then with the right; without any, a placeholder side.
      const sides = missingN > 0 ? BOTH_SIDES : ONE_SIDE;
      let ln = 0;
      let lp = 0;
      for (let j = 0; j < used; j++) {
        ln += hist[o + 2 * sweep[j]];
        lp += hist[o + 2 * sweep[j] + 1];
        for (const withLeft of sides) {
          const nl = withLeft ? ln + missingN : ln;
          const pl = withLeft ? lp + missingP : lp;
          const nr = n - nl;
          if (nl < limits.minLeaf || nr < limits.minLeaf) continue;
          const pr = p - pl;
          const score = (pl * (nl - pl)) / nl + (pr * (nr - pr)) / nr;
          if (score < bestScore) {
            bestScore = score;
            found = { score, feature: f, order: sweep, prefix: j, missingLeft: missingN > 0 ? withLeft : nl >= nr };
          }
        }
      }
    }
    return found;
  };

  const grow = (start: number, end: number, hist: Uint32Array, depth: number): number => {
    const n = end - start;
    let p = 0;
    for (let b = 0; b < offsets[1]; b += 2) p += hist[b + 1];
    const id = nodes.length;
    const leaf = () => {
      nodes.push({ size: n, positives: p, leaf: leaves++ });
      return id;
    };
    if (depth >= limits.maxDepth || n < 2 * limits.minLeaf || p === 0 || p === n) return leaf();
    const c = best(hist, n, p);
    if (!c) return leaf();
    // Weighted decrease (n/N)·(G − (nl/n)·Gl − (nr/n)·Gr) with G = 2p(n − p)/n².
    const gain = (2 / total) * ((p * (n - p)) / n - c.score);
    if (gain <= EPSILON || gain < limits.minImpurityDecrease) return leaf();
    decrease[c.feature] += gain;

    const feature = features[c.feature];
    const { left: goesLeft, split } = describe(feature, c);
    const bins = feature.bins;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (goesLeft[bins[rows[i]]]) i++;
      else {
        const t = rows[i];
        rows[i] = rows[j];
        rows[j--] = t;
      }
    }
    const mid = i;
    const small = new Uint32Array(hist.length);
    const large = new Uint32Array(hist.length);
    const leftSmaller = mid - start <= end - mid;
    if (leftSmaller) fill(small, start, mid);
    else fill(small, mid, end);
    for (let k = 0; k < hist.length; k++) large[k] = hist[k] - small[k];

    const node: TreeNode = { size: n, positives: p, split, left: 0, right: 0 };
    nodes.push(node);
    node.left = grow(start, mid, leftSmaller ? small : large, depth + 1);
    node.right = grow(mid, end, leftSmaller ? large : small, depth + 1);
    return id;
  };

  const root = new Uint32Array(offsets[features.length]);
  fill(root, 0, rows.length);
  grow(0, rows.length, root, 0);
  return { nodes, decrease };
}

/**
 * The split as the model stores it, and which bins go left. A numeric split keeps every bin up to
 * the threshold on the left (empty ones too), as the rule "value ≤ threshold" does. A categorical
 * split lists the smaller side's levels (shorter `in` lists in rules); unlisted levels go right.
 */
function describe(feature: BinnedFeature, c: Candidate): { left: Uint8Array; split: Split } {
  const { column, missingBin, uppers } = feature;
  const left = new Uint8Array(missingBin + 1);
  if (uppers) {
    const last = c.order[c.prefix];
    left.fill(1, 0, last + 1);
    left[missingBin] = c.missingLeft ? 1 : 0;
    return { left, split: { attr: column.name, lte: uppers[last], missing: c.missingLeft ? 'left' : 'right' } };
  }
  const prefix = c.order.subarray(0, c.prefix + 1);
  const suffix = c.order.subarray(c.prefix + 1);
  const flip = suffix.length > 0 && suffix.length < prefix.length;
  const listed = flip ? suffix : prefix;
  const missingLeft = flip ? !c.missingLeft : c.missingLeft;
  for (const b of listed) left[b] = 1;
  left[missingBin] = missingLeft ? 1 : 0;
  const levels = (column as Extract<typeof column, { levels: unknown }>).levels;
  return { left, split: { attr: column.name, in: Array.from(listed, (b) => levels[b]), missing: missingLeft ? 'left' : 'right' } };
}
