/**
 * Quality of a binary classifier's scores: accuracy at one threshold and the area under the ROC
 * curve. A tree gives every row of a leaf the same score, so both are computed from per-score
 * groups; the per-row form groups equal scores first.
 */

/** Rows sharing one score. */
export interface ScoreGroup {
  score: number;
  positives: number;
  negatives: number;
}

/**
 * AUC: the probability that a random positive scores above a random negative, ties counting one
 * half (the Mann–Whitney U statistic over P·N). `null` when either class is absent.
 *
 * @example
 * aucOfGroups([{ score: 0.2, positives: 1, negatives: 3 }, { score: 0.9, positives: 3, negatives: 1 }]); // 0.75
 */
export function aucOfGroups(groups: readonly ScoreGroup[]): number | null {
  const sorted = [...groups].sort((a, b) => a.score - b.score);
  let positives = 0;
  let negatives = 0;
  for (const g of sorted) {
    positives += g.positives;
    negatives += g.negatives;
  }
  if (positives === 0 || negatives === 0) return null;
  let u = 0;
  let negativesBelow = 0;
  for (let i = 0; i < sorted.length; ) {
    // Groups with an equal score are one tie block.
    let p = 0;
    let n = 0;
    const score = sorted[i].score;
    for (; i < sorted.length && sorted[i].score === score; i++) {
      p += sorted[i].positives;
      n += sorted[i].negatives;
    }
    u += p * (negativesBelow + n / 2);
    negativesBelow += n;
  }
  return u / (positives * negatives);
}

/** Per-row scores and 0/1 labels as score groups. */
export function groupScores(scores: ArrayLike<number>, labels: ArrayLike<number>): ScoreGroup[] {
  const groups = new Map<number, ScoreGroup>();
  for (let i = 0; i < scores.length; i++) {
    let g = groups.get(scores[i]);
    if (!g) groups.set(scores[i], (g = { score: scores[i], positives: 0, negatives: 0 }));
    if (labels[i]) g.positives++;
    else g.negatives++;
  }
  return [...groups.values()];
}

/** AUC of per-row scores against 0/1 labels. @example auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  return aucOfGroups(groupScores(scores, labels));
}

/** Share of rows classified correctly when a score ≥ `threshold` predicts positive; `null` for no rows. */
export function accuracyOfGroups(groups: readonly ScoreGroup[], threshold = 0.5): number | null {
  let correct = 0;
  let total = 0;
  for (const g of groups) {
    correct += g.score >= threshold ? g.positives : g.negatives;
    total += g.positives + g.negatives;
  }
  return total === 0 ? null : correct / total;
}
