/**
 * Tables of campaign templates (migration 18): templates, their versions, their publications to
 * units, and the journeys instantiated from them.
 *
 * A version's graph (with its parameter placements) and declarations never change: triggers refuse
 * an update or delete, so what an instance was filled from can always be read back. Each
 * publication records the version and audience; the latest one is what the units see. An
 * instance is a journey (the journeys table) linked to the template version it was filled from,
 * with the start and end the engine honours.
 */
import type { Migration } from '../../store/db.js';

const TEMPLATE_SCHEMA_V18 = `
CREATE TABLE journey_templates (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT NOT NULL UNIQUE,
  description    TEXT NOT NULL,
  unit           TEXT,                     -- the organisation unit it belongs to; null: the whole organisation
  latest_version INTEGER NOT NULL,
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_by     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

CREATE TABLE journey_template_versions (
  template       INTEGER NOT NULL REFERENCES journey_templates (id),
  version        INTEGER NOT NULL,
  graph          TEXT NOT NULL,            -- canonical JSON, with the parameters in place
  parameters     TEXT NOT NULL,            -- canonical JSON: the declarations
  content_sha256 TEXT NOT NULL,            -- of { graph, parameters }
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (template, version)
);

CREATE TRIGGER journey_template_versions_immutable BEFORE UPDATE ON journey_template_versions
BEGIN
  SELECT RAISE(ABORT, 'template versions are immutable');
END;
CREATE TRIGGER journey_template_versions_kept BEFORE DELETE ON journey_template_versions
BEGIN
  SELECT RAISE(ABORT, 'template versions are immutable');
END;

CREATE TABLE journey_template_publications (
  template      INTEGER NOT NULL REFERENCES journey_templates (id),
  seq           INTEGER NOT NULL,          -- 1, 2, …: the latest is what units see
  version       INTEGER NOT NULL,
  publisher     TEXT NOT NULL,             -- the unit publishing
  audience      TEXT NOT NULL,             -- JSON { all: true } | { units: string[] }
  published_by  TEXT NOT NULL,
  published_at  TEXT NOT NULL,
  PRIMARY KEY (template, seq),
  FOREIGN KEY (template, version) REFERENCES journey_template_versions (template, version)
) WITHOUT ROWID;

CREATE TABLE journey_template_instances (
  journey          INTEGER PRIMARY KEY REFERENCES journeys (id),
  template         INTEGER NOT NULL REFERENCES journey_templates (id),
  template_version INTEGER NOT NULL,
  starts_at        TEXT,                   -- ISO 8601 UTC; null: when published
  ends_at          TEXT,                   -- ISO 8601 UTC; null: until stopped
  values_sha256    TEXT NOT NULL,          -- of the filled values (never the values)
  created_by       TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  FOREIGN KEY (template, template_version) REFERENCES journey_template_versions (template, version)
);
CREATE INDEX journey_template_instances_template ON journey_template_instances (template);
`;

export const TEMPLATE_MIGRATIONS: readonly Migration[] = [{ version: 18, sql: TEMPLATE_SCHEMA_V18 }];
