/**
 * Score attributes: what a trained model (decision tree, tree/service.ts) wrote per profile row
 * into `insight_tree_scores`, with provenance in `insight_tree_score_attributes`. The catalogue
 * lists one as a `number` attribute only for the generation it scored: scores are keyed by record
 * row, and a re-import gives rows to other customers, so a score of an older generation is
 * withheld (named, with the reason) until the model scores the new generation.
 */
import type { Db } from '../../store/db.js';

export interface ScoreAttribute {
  dataset: string;
  attribute: string;
  modelId: string;
  generation: number;
  rowCount: number;
  scoredBy: string;
  scoredAt: string;
}

/** The score attributes stored for a dataset, by name (any generation). */
export function scoreAttributes(db: Db, dataset: string): ScoreAttribute[] {
  const rows = db.prepare('SELECT * FROM insight_tree_score_attributes WHERE dataset = ? ORDER BY attribute').all(dataset) as {
    dataset: string;
    attribute: string;
    model_id: string;
    generation: number;
    row_count: number;
    scored_by: string;
    scored_at: string;
  }[];
  return rows.map((r) => ({
    dataset: r.dataset,
    attribute: r.attribute,
    modelId: r.model_id,
    generation: r.generation,
    rowCount: r.row_count,
    scoredBy: r.scored_by,
    scoredAt: r.scored_at,
  }));
}

/** Why a stored score attribute is not usable on `generation`, or null when it is. */
export function staleScoreReason(s: ScoreAttribute, generation: number): string | null {
  if (s.generation === generation) return null;
  return `model ${s.modelId} scored generation ${s.generation} at ${s.scoredAt}; the dataset has been re-imported since (generation ${generation}): score again`;
}
