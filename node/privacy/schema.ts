/**
 * Tables owned by the privacy domain (migration 5).
 *
 * `privacy_spends`: one row per aggregate run that reserved budget on this node, in exact integer
 * units (micro-ε, nano-δ), so a period's spend is an integer SUM and never drifts. A row is written
 * before the run starts and is not removed when the run fails later: noise may already have been
 * released. The one exception is a run the peer refused at its start, before anything was
 * exchanged; its row is marked refunded (kept, for the audit trail).
 *
 * `released_groups`: the querier's record set of every group whose numbers it released, as
 * sorted keyed 48-bit fingerprints, delta-encoded (set-codec.ts), for the differencing guard.
 */
import type { Migration } from '../store/db.js';
const PRIVACY_SCHEMA_V5 = `
CREATE TABLE privacy_spends (
  run_id        TEXT PRIMARY KEY,
  agreement_id  TEXT NOT NULL,
  period        INTEGER NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('querier', 'responder')),
  micro_epsilon INTEGER NOT NULL CHECK (micro_epsilon > 0),
  nano_delta    INTEGER NOT NULL DEFAULT 0 CHECK (nano_delta >= 0),
  refunded      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);
CREATE INDEX privacy_spends_period ON privacy_spends (agreement_id, period);

CREATE TABLE released_groups (
  agreement_id TEXT NOT NULL,
  period       INTEGER NOT NULL,
  run_id       TEXT NOT NULL,
  group_index  INTEGER NOT NULL,
  label        TEXT NOT NULL,
  size         INTEGER NOT NULL,
  members      BLOB NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (run_id, group_index)
);
CREATE INDEX released_groups_period ON released_groups (agreement_id, period);
`;

/** The privacy domain's migration steps (see node/store/migrations.ts). */
export const PRIVACY_MIGRATIONS: readonly Migration[] = [{ version: 5, sql: PRIVACY_SCHEMA_V5 }];
