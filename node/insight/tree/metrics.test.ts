import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracyOfGroups, auc, aucOfGroups, groupScores } from './metrics.js';

describe('AUC', () => {
  it('matches hand-computed values on fixed vectors', () => {
    // Pairs (positive, negative): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 → 3 of 4.
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Positives 0.6, 0.3; negatives 0.2, 0.6, 0.9: 0.6 wins 1 + ties 1 (½), 0.3 wins 1 → 2.5 / 6.
    expect(auc([0.2, 0.6, 0.6, 0.3, 0.9], [0, 1, 0, 1, 0])).toBeCloseTo(2.5 / 6, 15);
    // Perfect, inverted, and all tied.
    expect(auc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(auc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
  });

  it('is null when one class is absent', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNull();
    expect(auc([], [])).toBeNull();
  });

  it('from groups equals the count over all positive–negative pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 1, maxLength: 60 }), (rows) => {
        const scores = rows.map(([s]) => s / 5);
        const labels = rows.map(([, l]) => (l ? 1 : 0));
        let wins = 0;
        let pairs = 0;
        rows.forEach((_, i) =>
          rows.forEach((_, j) => {
            if (labels[i] !== 1 || labels[j] !== 0) return;
            pairs++;
            wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
          }),
        );
        const got = aucOfGroups(groupScores(scores, labels));
        if (pairs === 0) expect(got).toBeNull();
        else expect(got).toBeCloseTo(wins / pairs, 12);
      }),
    );
  });
});

describe('accuracy', () => {
  it('counts a score of at least the threshold as a positive prediction', () => {
    const groups = [
      { score: 0.5, positives: 3, negatives: 1 }, // predicted positive: 3 right
      { score: 0.2, positives: 2, negatives: 4 }, // predicted negative: 4 right
    ];
    expect(accuracyOfGroups(groups)).toBe(0.7);
    expect(accuracyOfGroups(groups, 0.6)).toBe(0.5);
    expect(accuracyOfGroups([])).toBeNull();
  });
});
