/**
 * Tables owned by the datasets domain.
 *
 * An import writes a new *generation* of a dataset's records next to the current one and then
 * flips `datasets.generation` to it in one short transaction (generations.ts). Readers only ever
 * see a complete generation; a failed or interrupted import leaves an unreferenced generation
 * that is reclaimed later.
 */
import type { Migration } from '../store/db.js';
const DATASET_SCHEMA_V1 = `
-- AUTOINCREMENT: generation ids are never reused, so a stale id can't name a newer generation.
CREATE TABLE generations (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset      TEXT NOT NULL,
  -- staging: being imported; live: referenced by datasets; retired/abandoned: to be reclaimed.
  state        TEXT NOT NULL CHECK (state IN ('staging', 'live', 'retired', 'abandoned')),
  created_at   TEXT NOT NULL,
  -- Refreshed by every committed batch; a staging generation that stops beating was interrupted.
  heartbeat_at TEXT NOT NULL
);

CREATE TABLE datasets (
  name           TEXT PRIMARY KEY,
  -- The FK also stops reclamation from ever deleting the live generation.
  generation     INTEGER NOT NULL REFERENCES generations (id),
  id_column      TEXT NOT NULL,
  id_kind        TEXT NOT NULL CHECK (id_kind IN ('phone', 'email', 'national-id', 'raw')),
  id_options     TEXT NOT NULL,            -- JSON NormaliseOptions; both parties must match
  columns        TEXT NOT NULL,            -- JSON [{name, type}] of the attribute columns
  row_count      INTEGER NOT NULL,
  rejected_count INTEGER NOT NULL,
  source_sha256  TEXT NOT NULL,
  group_suite    TEXT NOT NULL,            -- suite of records.point; a different group needs a re-import
  imported_at    TEXT NOT NULL
);

-- No foreign key to generations: it would cost a lookup per inserted row on the hot path.
CREATE TABLE records (
  generation INTEGER NOT NULL,
  row        INTEGER NOT NULL,             -- line of the source file where the record starts
  id_norm    TEXT NOT NULL,                -- normalised identifier (normalise.ts)
  point      BLOB NOT NULL,                -- hashToGroup(pointDst(kind), id_norm): paid once, at import
  attrs      TEXT NOT NULL,                -- JSON object of typed attributes
  PRIMARY KEY (generation, row)
) WITHOUT ROWID;
-- Also how duplicates within one file are caught.
CREATE UNIQUE INDEX records_id_norm ON records (generation, id_norm);

-- Attributes written by joint queries (e.g. partner:telco:active). Keyed by identifier, not row,
-- so they survive a re-import of the dataset.
CREATE TABLE joint_attributes (
  dataset      TEXT NOT NULL,
  id_norm      TEXT NOT NULL,
  name         TEXT NOT NULL,
  value        TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  run_id       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (dataset, id_norm, name)
) WITHOUT ROWID;
CREATE INDEX joint_attributes_name ON joint_attributes (dataset, name, value);
`;

/**
 * Duplicate identifiers are caught in memory during the import (id-set.ts), not by a unique index:
 * an index on the identifier takes inserts in random order, which held 10 M-row imports to
 * ≈ 60,000 rows/s. Lookups by identifier join from joint_attributes, whose key leads with it.
 */
const DATASET_SCHEMA_V3 = `
DROP INDEX IF EXISTS records_id_norm;
`;

/** The datasets domain's migration steps (see node/store/migrations.ts). */
export const DATASET_MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: DATASET_SCHEMA_V1 },
  { version: 3, sql: DATASET_SCHEMA_V3 },
];
