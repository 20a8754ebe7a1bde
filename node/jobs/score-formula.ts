/**
 * How a score job ranks the groups of an aggregate run, from released (noisy) numbers only:
 *   - `size-x-mean:<column>`: noisy count × released mean of the column (the segment's total value);
 *   - `weighted:<column>=<weight>,…`: Σ weight × the column's mean normalised to [0, 1] across the
 *     released groups (min–max), so columns of different units can be combined.
 * Suppressed groups get no score and no rank. Ranking post-processes released numbers: it costs no
 * privacy budget.
 */
import { MofangError } from '../errors.js';
import type { GroupRelease } from '../scores/joint-scores.js';

export type ScoreFormula = { kind: 'size-x-mean'; column: string } | { kind: 'weighted'; weights: { column: string; weight: number }[] };

const invalid = (why: string) => new MofangError('REQUEST_INVALID', `score: ${why}`, { field: 'score' });

/**
 * @example parseScoreFormula('weighted:spend=2,tenure=1') // { kind: 'weighted', weights: [{ column: 'spend', weight: 2 }, …] }
 */
export function parseScoreFormula(text: string): ScoreFormula {
  const i = text.indexOf(':');
  const kind = i < 0 ? text : text.slice(0, i);
  const rest = i < 0 ? '' : text.slice(i + 1);
  if (kind === 'size-x-mean') {
    if (!rest) throw invalid('size-x-mean needs a column, e.g. size-x-mean:monthly_spend');
    return { kind, column: rest };
  }
  if (kind === 'weighted') {
    if (!rest) throw invalid('weighted needs <column>=<weight>,…, e.g. weighted:spend=2,tenure=1');
    const weights = rest.split(',').map((part) => {
      const eq = part.lastIndexOf('=');
      const weight = Number(part.slice(eq + 1));
      if (eq <= 0 || part.slice(eq + 1).trim() === '' || !Number.isFinite(weight)) throw invalid(`'${part}' is not <column>=<weight>`);
      return { column: part.slice(0, eq), weight };
    });
    const names = weights.map((w) => w.column);
    if (new Set(names).size !== names.length) throw invalid('a column is weighted twice');
    return { kind, weights };
  }
  throw invalid(`unknown formula '${kind}'; use size-x-mean:<column> or weighted:<column>=<weight>,…`);
}

export function formatScoreFormula(f: ScoreFormula): string {
  return f.kind === 'size-x-mean' ? `size-x-mean:${f.column}` : `weighted:${f.weights.map((w) => `${w.column}=${w.weight}`).join(',')}`;
}

/** The columns a formula reads: they must be among the query's columns. */
export function formulaColumns(f: ScoreFormula): string[] {
  return f.kind === 'size-x-mean' ? [f.column] : f.weights.map((w) => w.column);
}

/** Scores and ranks (1 = best) the released groups; suppressed groups keep score and rank null. */
export function rankGroups(groups: readonly GroupRelease[], f: ScoreFormula): GroupRelease[] {
  const released = groups.filter((g) => !g.suppressed);
  const meanOf = (g: GroupRelease, column: string) => {
    const c = g.columns.find((x) => x.column === column);
    if (!c) throw invalid(`column '${column}' is not among the query's columns`);
    return c.mean.value;
  };
  const score = new Map<number, number>();
  if (f.kind === 'size-x-mean') {
    for (const g of released) score.set(g.index, g.count!.value * meanOf(g, f.column));
  } else {
    const range = new Map(
      f.weights.map((w) => {
        const means = released.map((g) => meanOf(g, w.column));
        return [w.column, { lo: Math.min(...means), hi: Math.max(...means) }];
      }),
    );
    for (const g of released) {
      score.set(
        g.index,
        f.weights.reduce((sum, w) => {
          const { lo, hi } = range.get(w.column)!;
          const normalised = hi > lo ? (meanOf(g, w.column) - lo) / (hi - lo) : 0.5;
          return sum + w.weight * normalised;
        }, 0),
      );
    }
  }
  const order = [...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([index]) => index);
  return groups.map((g) => (score.has(g.index) ? { ...g, score: score.get(g.index)!, rank: order.indexOf(g.index) + 1 } : { ...g, score: null, rank: null }));
}
