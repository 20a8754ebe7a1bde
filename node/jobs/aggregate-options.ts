/** The rules an aggregate or score job's options follow before it is queued (API and CLI alike). */
import { MofangError } from '../errors.js';
import { formulaColumns, parseScoreFormula } from './score-formula.js';
import type { AggregateJobOptions, JobKind } from './store.js';

/**
 * Throws REQUEST_INVALID naming the field (`prefix` + field, e.g. `body.aggregate.score`).
 *
 * @example checkAggregateJobOptions('score', { columns: ['spend'], groupBy: 'city', score: 'size-x-mean:spend' })
 */
export function checkAggregateJobOptions(kind: JobKind, options: AggregateJobOptions | undefined, prefix = ''): void {
  const bad = (field: string, why: string) => new MofangError('REQUEST_INVALID', `${prefix}${field}: ${why}`, { field: `${prefix}${field}` });
  const aggregating = kind === 'aggregate' || kind === 'score';
  if (!aggregating) {
    if (options !== undefined) throw bad('aggregate', `only aggregate and score jobs take aggregate options, not ${kind}`);
    return;
  }
  if (!options) throw bad('aggregate', `${kind} jobs need aggregate options (columns, and groupBy or segments)`);
  if (!Array.isArray(options.columns) || options.columns.length === 0) throw bad('aggregate.columns', 'name at least one agreed column');
  if (new Set(options.columns).size !== options.columns.length) throw bad('aggregate.columns', 'a column is named twice');
  if (options.groupBy !== undefined && options.segments !== undefined) throw bad('aggregate.segments', 'give groupBy or segments, not both');
  if (kind === 'score') {
    if (options.score === undefined) throw bad('aggregate.score', 'score jobs need a formula: size-x-mean:<column> or weighted:<column>=<weight>,…');
    let formula: ReturnType<typeof parseScoreFormula>;
    try {
      formula = parseScoreFormula(options.score);
    } catch (err) {
      throw bad('aggregate.score', (err as Error).message.replace(/^score: /, ''));
    }
    const missing = formulaColumns(formula).find((c) => !options.columns.includes(c));
    if (missing) throw bad('aggregate.score', `column '${missing}' is not among the job's columns`);
  } else if (options.score !== undefined) {
    throw bad('aggregate.score', 'only score jobs rank groups; use kind score');
  }
}
