import { describe, expect, it } from 'vitest';
import type { GroupRelease } from '../scores/joint-scores.js';
import { formatScoreFormula, parseScoreFormula, rankGroups } from './score-formula.js';

const noise = { mechanism: 'discrete-laplace' as const, parameter: 'scale' as const, value: 1, standardDeviation: 1.4 };
const num = (value: number) => ({ value, noiseScale: noise, ci95: { low: value - 3, high: value + 3 } });
function group(index: number, count: number, means: Record<string, number>, suppressed = false): GroupRelease {
  return {
    index,
    label: `g${index}`,
    inputSize: 100,
    suppressed,
    count: suppressed ? null : num(count),
    score: null,
    rank: null,
    columns: suppressed
      ? []
      : Object.entries(means).map(([column, mean]) => ({
          column,
          sum: num(mean * count),
          mean: { value: mean, noiseScale: { sum: noise, count: noise }, ci95: { low: mean - 1, high: mean + 1 } },
        })),
  };
}

describe('score formulas', () => {
  it('parse and format both forms', () => {
    expect(parseScoreFormula('size-x-mean:spend')).toEqual({ kind: 'size-x-mean', column: 'spend' });
    const weighted = parseScoreFormula('weighted:spend=2,tenure=-0.5');
    expect(weighted).toEqual({
      kind: 'weighted',
      weights: [
        { column: 'spend', weight: 2 },
        { column: 'tenure', weight: -0.5 },
      ],
    });
    expect(formatScoreFormula(weighted)).toBe('weighted:spend=2,tenure=-0.5');
  });

  it.each([
    ['size-x-mean', /needs a column/],
    ['weighted:spend', /'spend' is not <column>=<weight>/],
    ['weighted:spend=x', /not <column>=<weight>/],
    ['weighted:a=1,a=2', /weighted twice/],
    ['top', /unknown formula 'top'/],
  ])('refuse %s', (text, message) => {
    expect(() => parseScoreFormula(text)).toThrow(message);
  });

  it('rank size × mean, leaving suppressed groups unranked', () => {
    const ranked = rankGroups(
      [group(0, 100, { spend: 10 }), group(1, 50, { spend: 40 }), group(2, 0, {}, true), group(3, 200, { spend: 1 })],
      parseScoreFormula('size-x-mean:spend'),
    );
    expect(ranked.map((g) => [g.index, g.score, g.rank])).toEqual([
      [0, 1000, 2],
      [1, 2000, 1],
      [2, null, null],
      [3, 200, 3],
    ]);
  });

  it('rank a weighted sum of min–max normalised means', () => {
    const ranked = rankGroups(
      [group(0, 10, { spend: 100, tenure: 1 }), group(1, 10, { spend: 300, tenure: 0 }), group(2, 10, { spend: 200, tenure: 0.5 })],
      parseScoreFormula('weighted:spend=1,tenure=1'),
    );
    expect(ranked.map((g) => g.score)).toEqual([1, 1, 1]);
    expect(ranked.map((g) => g.rank)).toEqual([1, 2, 3]); // ties keep group order
    const spendOnly = rankGroups(ranked, parseScoreFormula('weighted:spend=2'));
    expect(spendOnly.map((g) => g.score)).toEqual([0, 2, 1]);
  });
});
