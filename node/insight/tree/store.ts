/**
 * Trained models and the score attributes they wrote, in SQLite (schema.ts). Reads validate the
 * stored JSON again (parseModel): a model row is data like any other.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { candidateSegments, type CandidateSegment } from './leaf-rules.js';
import { parseModel, type TreeModel } from './model.js';
import type { ScoreAttribute } from '../profiles/score-attributes.js';

export { scoreAttributes, type ScoreAttribute } from '../profiles/score-attributes.js';

export interface StoredTree {
  id: string;
  dataset: string;
  /** The dataset generation it was trained on. */
  generation: number;
  target: string;
  trainMs: number;
  createdBy: string;
  createdAt: string;
  model: TreeModel;
  /** The leaves as candidate segments (derived from the model). */
  leaves: CandidateSegment[];
}

export type TreeSummary = Omit<StoredTree, 'model' | 'leaves'> & { leafCount: number; validationAuc: number | null };

interface ModelRow {
  id: string;
  dataset: string;
  generation: number;
  target: string;
  model: string;
  train_ms: number;
  created_by: string;
  created_at: string;
}

const toStored = (r: ModelRow): StoredTree => {
  const model = parseModel(JSON.parse(r.model));
  return {
    id: r.id,
    dataset: r.dataset,
    generation: r.generation,
    target: r.target,
    trainMs: r.train_ms,
    createdBy: r.created_by,
    createdAt: r.created_at,
    model,
    leaves: candidateSegments(model),
  };
};

export function insertTree(db: Db, t: Omit<StoredTree, 'leaves'>): void {
  db.prepare('INSERT INTO insight_tree_models (id, dataset, generation, target, model, train_ms, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    t.id,
    t.dataset,
    t.generation,
    t.target,
    JSON.stringify(t.model),
    t.trainMs,
    t.createdBy,
    t.createdAt,
  );
}

/** @throws TREE_NOT_FOUND */
export function getTree(db: Db, id: string): StoredTree {
  const r = db.prepare('SELECT * FROM insight_tree_models WHERE id = ?').get(id) as ModelRow | undefined;
  if (!r) throw new MofangError('TREE_NOT_FOUND', `no tree model with id ${JSON.stringify(id)}`, { tree: id });
  return toStored(r);
}

/** Newest first. */
export function listTrees(db: Db, filter: { dataset?: string; limit?: number } = {}): TreeSummary[] {
  const limit = filter.limit ?? 100;
  const rows = (
    filter.dataset === undefined
      ? db.prepare('SELECT * FROM insight_tree_models ORDER BY created_at DESC, id LIMIT ?').all(limit)
      : db.prepare('SELECT * FROM insight_tree_models WHERE dataset = ? ORDER BY created_at DESC, id LIMIT ?').all(filter.dataset, limit)
  ) as ModelRow[];
  return rows.map((r) => {
    const { model, leaves, ...rest } = toStored(r);
    return { ...rest, leafCount: leaves.length, validationAuc: model.metrics.validation?.auc ?? null };
  });
}

/** Replaces every score of `attribute` on the dataset with `scores` (one per row), in the caller's transaction. */
export function replaceScores(db: Db, a: ScoreAttribute, rows: Uint32Array, scores: Float64Array): void {
  db.prepare('DELETE FROM insight_tree_scores WHERE dataset = ? AND attribute = ?').run(a.dataset, a.attribute);
  const insert = db.prepare('INSERT INTO insight_tree_scores (dataset, attribute, row, score) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < rows.length; i++) insert.run(a.dataset, a.attribute, rows[i], scores[i]);
  db.prepare(
    `INSERT OR REPLACE INTO insight_tree_score_attributes (dataset, attribute, model_id, generation, row_count, scored_by, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(a.dataset, a.attribute, a.modelId, a.generation, a.rowCount, a.scoredBy, a.scoredAt);
}
