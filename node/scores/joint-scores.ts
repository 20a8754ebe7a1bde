/**
 * Joint segment scores: what an aggregate or score job released, per group of the querier's
 * records, with its provenance (agreement, job, run, time, ε and δ spent, noise of every number).
 * Only released (noised) numbers are stored here; exact counts never leave the run.
 *
 * One `joint_score_sets` row per run; one `joint_segment_scores` row per group, holding the
 * released numbers as JSON (each with its noise scale and 95 % interval) and, for a score job,
 * the group's score and rank.
 */
import type { Interval, NoiseScale } from '../../protocols/dp/index.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

/** One released number with what an operator needs to read it. */
interface ReleasedNumber {
  value: number;
  noiseScale: NoiseScale;
  ci95: Interval;
}

interface ReleasedMeanView {
  value: number;
  noiseScale: { sum: NoiseScale; count: NoiseScale };
  ci95: Interval;
}

interface ColumnRelease {
  column: string;
  sum: ReleasedNumber;
  mean: ReleasedMeanView;
  /** With --histogram: bucket edges and one released count per bucket. */
  histogram?: { edges: number[]; counts: ReleasedNumber[] };
}

export interface GroupRelease {
  index: number;
  label: string;
  /** The querier's own group size (its input, not a joint number). */
  inputSize: number;
  /** True when the noisy count is below minGroupSize: nothing but that fact is released. */
  suppressed: boolean;
  count: ReleasedNumber | null;
  columns: ColumnRelease[];
  score: number | null;
  rank: number | null;
}

export interface ScoreSet {
  id: string;
  runId: string;
  agreementId: string;
  jobId: string | null;
  dataset: string;
  grouping: string;
  columns: string[];
  histogram: boolean;
  formula: string | null;
  mechanism: string;
  epsilon: string;
  delta: string;
  membership: boolean;
  createdAt: string;
  groups: GroupRelease[];
}

/** Stores a run's released groups in one transaction. */
export function saveScoreSet(db: Db, set: Omit<ScoreSet, 'id'>): ScoreSet {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO joint_score_sets (id, agreement_id, job_id, dataset, grouping, columns, histogram, formula, mechanism, epsilon, delta, membership, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      set.runId,
      set.agreementId,
      set.jobId,
      set.dataset,
      set.grouping,
      JSON.stringify(set.columns),
      set.histogram ? 1 : 0,
      set.formula,
      set.mechanism,
      set.epsilon,
      set.delta,
      set.membership ? 1 : 0,
      set.createdAt,
    );
    const insert = db.prepare('INSERT INTO joint_segment_scores (set_id, group_index, label, suppressed, score, rank, released) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const g of set.groups) insert.run(set.runId, g.index, g.label, g.suppressed ? 1 : 0, g.score, g.rank, JSON.stringify(g));
  })();
  return getScoreSet(db, set.runId);
}

interface SetRow {
  id: string;
  agreement_id: string;
  job_id: string | null;
  dataset: string;
  grouping: string;
  columns: string;
  histogram: number;
  formula: string | null;
  mechanism: string;
  epsilon: string;
  delta: string;
  membership: number;
  created_at: string;
}

function toSet(db: Db, row: SetRow): ScoreSet {
  const groups = (db.prepare('SELECT released FROM joint_segment_scores WHERE set_id = ? ORDER BY group_index').pluck().all(row.id) as string[]).map(
    (r) => JSON.parse(r) as GroupRelease,
  );
  return {
    id: row.id,
    runId: row.id,
    agreementId: row.agreement_id,
    jobId: row.job_id,
    dataset: row.dataset,
    grouping: row.grouping,
    columns: JSON.parse(row.columns),
    histogram: row.histogram === 1,
    formula: row.formula,
    mechanism: row.mechanism,
    epsilon: row.epsilon,
    delta: row.delta,
    membership: row.membership === 1,
    createdAt: row.created_at,
    groups,
  };
}

/** @example getScoreSet(db, runId).groups[0].count?.ci95 */
export function getScoreSet(db: Db, id: string): ScoreSet {
  const row = db.prepare('SELECT * FROM joint_score_sets WHERE id = ?').get(id) as SetRow | undefined;
  if (!row) throw new MofangError('NOT_FOUND', `no joint scores for run ${id}`);
  return toSet(db, row);
}

/** Newest first. */
export function listScoreSets(db: Db, filter: { agreementId?: string; limit?: number } = {}): ScoreSet[] {
  const rows = db
    .prepare('SELECT * FROM joint_score_sets WHERE (? IS NULL OR agreement_id = ?) ORDER BY created_at DESC LIMIT ?')
    .all(filter.agreementId ?? null, filter.agreementId ?? null, filter.limit ?? 50) as SetRow[];
  return rows.map((r) => toSet(db, r));
}
