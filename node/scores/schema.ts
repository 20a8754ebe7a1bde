/** Tables of the joint segment scores (see joint-scores.ts for what they hold). */
import type { Migration } from '../store/db.js';
const JOINT_SCORES_SCHEMA_V5 = `
CREATE TABLE joint_score_sets (
  id           TEXT PRIMARY KEY,             -- the run id
  agreement_id TEXT NOT NULL,
  job_id       TEXT,
  dataset      TEXT NOT NULL,                -- the querier's dataset the groups come from
  grouping     TEXT NOT NULL,                -- e.g. 'all', 'group-by:city', 'segments:a,b'
  columns      TEXT NOT NULL,                -- JSON [column]
  histogram    INTEGER NOT NULL,
  formula      TEXT,                         -- score formula, NULL for a plain aggregate
  mechanism    TEXT NOT NULL,
  epsilon      TEXT NOT NULL,                -- spent by the run, exact decimal
  delta        TEXT NOT NULL,
  membership   INTEGER NOT NULL,             -- 1 when the run revealed which records matched
  created_at   TEXT NOT NULL
);
CREATE INDEX joint_score_sets_created ON joint_score_sets (created_at);

CREATE TABLE joint_segment_scores (
  set_id      TEXT NOT NULL REFERENCES joint_score_sets (id),
  group_index INTEGER NOT NULL,
  label       TEXT NOT NULL,
  suppressed  INTEGER NOT NULL,
  score       REAL,
  rank        INTEGER,
  released    TEXT NOT NULL,                 -- JSON GroupRelease
  PRIMARY KEY (set_id, group_index)
);
`;

/** The joint scores' migration steps (see node/store/migrations.ts). */
export const JOINT_SCORES_MIGRATIONS: readonly Migration[] = [{ version: 5, sql: JOINT_SCORES_SCHEMA_V5 }];
