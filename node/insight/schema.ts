/**
 * Tables owned by the insight domain (migration 4).
 *
 * Profiles: each dataset's live generation is copied once into a typed table
 * `insight_profiles_<generation>_<hex>` (one column per attribute, named `a<i>` — never after the
 * user's column — so no identifier from a file ever reaches SQL text). `insight_profile_tables`
 * points at the built table; the pointer moves in one transaction once the table is complete.
 *
 * Segments keep every version of their rule; each materialisation records its size (the history of
 * sizes) and, for the latest one only, its member rows.
 *
 * Flow snapshots are keyed by customer, not by row, so two snapshots compare across re-imports:
 * sorted 56-bit keyed hashes of the identifiers with the category in the low byte, in chunks.
 */
import type { Migration } from '../store/db.js';
import { FLOW_SCHEDULE_SCHEMA_V8 } from './flows/schedule.js';
import { SHARED_SETS_SCHEMA_V7 } from './shared/schema.js';
import { TREE_SCHEMA_V6 } from './tree/schema.js';
const INSIGHT_SCHEMA_V4 = `
CREATE TABLE insight_profile_tables (
  dataset     TEXT PRIMARY KEY,
  generation  INTEGER NOT NULL,
  table_name  TEXT NOT NULL,
  attributes  TEXT NOT NULL,               -- JSON ProfileColumn[]
  row_count   INTEGER NOT NULL,
  built_at    TEXT NOT NULL,
  build_ms    INTEGER NOT NULL
);

CREATE TABLE insight_segments (
  name                  TEXT PRIMARY KEY,
  dataset               TEXT NOT NULL,
  version               INTEGER NOT NULL,  -- the current version
  description           TEXT NOT NULL,
  refresh_every_minutes INTEGER,
  next_refresh_at       TEXT,
  created_by            TEXT NOT NULL,
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
);

CREATE TABLE insight_segment_versions (
  segment    TEXT NOT NULL,
  version    INTEGER NOT NULL,
  rule       TEXT NOT NULL,                -- JSON Rule
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (segment, version)
) WITHOUT ROWID;

CREATE TABLE insight_materialisations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  segment     TEXT NOT NULL,
  version     INTEGER NOT NULL,
  dataset     TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  size        INTEGER NOT NULL,
  population  INTEGER NOT NULL,
  at          TEXT NOT NULL,
  trigger     TEXT NOT NULL CHECK (trigger IN ('save', 'manual', 'schedule', 'stale')),
  duration_ms INTEGER NOT NULL
);
CREATE INDEX insight_materialisations_segment ON insight_materialisations (segment, id);

-- Member rows of each segment's latest materialisation only (older ones keep their size).
CREATE TABLE insight_segment_members (
  materialisation INTEGER NOT NULL,
  row             INTEGER NOT NULL,
  PRIMARY KEY (materialisation, row)
) WITHOUT ROWID;

CREATE TABLE insight_layerings (
  name       TEXT PRIMARY KEY,
  dataset    TEXT NOT NULL,
  spec       TEXT NOT NULL,                -- JSON LayeringSpec
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE insight_flows (
  name       TEXT PRIMARY KEY,
  dataset    TEXT NOT NULL,
  source     TEXT NOT NULL,                -- JSON { segments: string[] } | { layering: string }
  salt       BLOB NOT NULL,                -- seeds of the snapshot key hash (per flow)
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE insight_snapshots (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  flow        TEXT NOT NULL,
  period      TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  population  INTEGER NOT NULL,
  categories  TEXT NOT NULL,               -- JSON [{label, rule}] as evaluated
  sizes       TEXT NOT NULL,               -- JSON number[]: index 0 is "none of these"
  collisions  INTEGER NOT NULL,            -- customers whose key collided with another's
  taken_at    TEXT NOT NULL,
  taken_by    TEXT NOT NULL,
  UNIQUE (flow, period)
);

CREATE TABLE insight_snapshot_chunks (
  snapshot INTEGER NOT NULL,
  chunk    INTEGER NOT NULL,
  entries  BLOB NOT NULL,                  -- little-endian uint64: key << 8 | category, ascending
  PRIMARY KEY (snapshot, chunk)
) WITHOUT ROWID;
`;

/** The insight domain's migration steps, its sub-modules' tables included (see node/store/migrations.ts). */
export const INSIGHT_MIGRATIONS: readonly Migration[] = [
  { version: 4, sql: INSIGHT_SCHEMA_V4 },
  { version: 6, sql: TREE_SCHEMA_V6 },
  { version: 7, sql: SHARED_SETS_SCHEMA_V7 },
  { version: 8, sql: FLOW_SCHEDULE_SCHEMA_V8 },
];
