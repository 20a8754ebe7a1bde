/**
 * Tables of the decision trees (migration 6): trained models, and the scores a model wrote as a
 * profile attribute. Scores are keyed by the generation and row they were computed for: after a
 * re-import they no longer describe the data, and the operator scores again.
 */
export const TREE_SCHEMA_V6 = `
CREATE TABLE insight_tree_models (
  id          TEXT PRIMARY KEY,             -- random UUID
  dataset     TEXT NOT NULL,
  generation  INTEGER NOT NULL,             -- the generation it was trained on
  target      TEXT NOT NULL,
  model       TEXT NOT NULL,                -- JSON TreeModel (model.ts), versioned
  train_ms    INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX insight_tree_models_dataset ON insight_tree_models (dataset, created_at);

-- One row per score attribute of a dataset: which model wrote it, for which generation, when.
CREATE TABLE insight_tree_score_attributes (
  dataset    TEXT NOT NULL,
  attribute  TEXT NOT NULL,
  model_id   TEXT NOT NULL,
  generation INTEGER NOT NULL,
  row_count  INTEGER NOT NULL,
  scored_by  TEXT NOT NULL,
  scored_at  TEXT NOT NULL,
  PRIMARY KEY (dataset, attribute)
) WITHOUT ROWID;

CREATE TABLE insight_tree_scores (
  dataset   TEXT NOT NULL,
  attribute TEXT NOT NULL,
  row       INTEGER NOT NULL,               -- records.row of the scored generation
  score     REAL NOT NULL,                  -- the model's probability of the target
  PRIMARY KEY (dataset, attribute, row)
) WITHOUT ROWID;
`;
