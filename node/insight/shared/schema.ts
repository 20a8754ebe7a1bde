/**
 * Tables of organisation units, scoped insight objects and shared segment sets (migration 7).
 *
 * Units form one tree (head office → provinces → branches); a unit's scope is itself and every
 * unit below it. A dataset names the profile attribute that holds a customer's unit
 * (`insight_unit_attributes`). Segments, layerings and flows record the unit they belong to
 * (NULL: the whole organisation), so their stored sizes and snapshots are those of that scope.
 *
 * A shared set is identified by (publisher unit, name); each publication with changed content is
 * a new version holding the segments' rules as they were (references to other segments inlined),
 * the strategy text and the audience. An import records which version a unit took and which of
 * its own segments it created.
 */
export const SHARED_SETS_SCHEMA_V7 = `
CREATE TABLE org_units (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  parent     TEXT REFERENCES org_units (id),   -- NULL: the head office (exactly one)
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent);

CREATE TABLE insight_unit_attributes (
  dataset   TEXT PRIMARY KEY,
  attribute TEXT NOT NULL,                      -- a string/enum column holding unit ids
  set_by    TEXT NOT NULL,
  set_at    TEXT NOT NULL
);

ALTER TABLE insight_segments ADD COLUMN unit TEXT REFERENCES org_units (id);
ALTER TABLE insight_layerings ADD COLUMN unit TEXT REFERENCES org_units (id);
ALTER TABLE insight_flows ADD COLUMN unit TEXT REFERENCES org_units (id);

CREATE TABLE shared_sets (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  publisher  TEXT NOT NULL REFERENCES org_units (id),
  name       TEXT NOT NULL,
  dataset    TEXT NOT NULL,
  version    INTEGER NOT NULL,                  -- the latest version
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (publisher, name)
);

CREATE TABLE shared_set_versions (
  set_id         INTEGER NOT NULL REFERENCES shared_sets (id),
  version        INTEGER NOT NULL,
  segments       TEXT NOT NULL,                 -- JSON [{ name, description, rule }]
  strategy       TEXT NOT NULL,
  audience       TEXT NOT NULL,                 -- JSON { all: true } | { units: string[] }
  content_sha256 TEXT NOT NULL,
  published_by   TEXT NOT NULL,
  published_at   TEXT NOT NULL,
  PRIMARY KEY (set_id, version)
) WITHOUT ROWID;

CREATE TABLE shared_set_imports (
  set_id      INTEGER NOT NULL REFERENCES shared_sets (id),
  unit        TEXT NOT NULL REFERENCES org_units (id),
  version     INTEGER NOT NULL,                 -- the version last imported
  segments    TEXT NOT NULL,                    -- JSON [{ source, segment }]: set segment → own segment
  imported_by TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (set_id, unit)
) WITHOUT ROWID;
`;
