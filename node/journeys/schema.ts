/**
 * Tables owned by the journeys domain (migration 15): journeys and their versions.
 *
 * A journey's graph is stored per version and never changed: a trigger refuses an update of a
 * version's graph, so what a published version did can always be read back. Editing a journey
 * adds a version; publishing makes the newest version the live one. The journey row holds the
 * state (draft, published, paused, stopped) and which version is live.
 */
import type { Migration } from '../store/db.js';

const JOURNEY_SCHEMA_V15 = `
CREATE TABLE journeys (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT NOT NULL UNIQUE,
  description    TEXT NOT NULL,
  unit           TEXT,                     -- the organisation unit it belongs to; null: the whole organisation
  status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'paused', 'stopped')),
  latest_version INTEGER NOT NULL,
  live_version   INTEGER,                  -- the version published (running or paused); null until the first publish
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_by     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

CREATE TABLE journey_versions (
  journey       INTEGER NOT NULL REFERENCES journeys (id),
  version       INTEGER NOT NULL,
  graph         TEXT NOT NULL,             -- canonical JSON
  graph_sha256  TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  published_at  TEXT,                      -- when it first became the live version
  PRIMARY KEY (journey, version)
);

CREATE TRIGGER journey_versions_immutable BEFORE UPDATE OF journey, version, graph, graph_sha256, created_by, created_at ON journey_versions
BEGIN
  SELECT RAISE(ABORT, 'journey versions are immutable');
END;
CREATE TRIGGER journey_versions_kept BEFORE DELETE ON journey_versions
BEGIN
  SELECT RAISE(ABORT, 'journey versions are immutable');
END;
`;

export const JOURNEY_MIGRATIONS: readonly Migration[] = [{ version: 15, sql: JOURNEY_SCHEMA_V15 }];
