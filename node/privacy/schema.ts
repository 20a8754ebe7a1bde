/**
 * Tables owned by the privacy domain (migrations 5 and 10).
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
import { agreementPairAssignments } from '../agreements/schema.js';
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

/**
 * Version 10: one ledger per data pair (pair.ts). Both tables gain the pair — peer node id, our
 * dataset, their dataset — filled for existing rows from their agreement, so what earlier
 * agreements spent and released counts for every agreement over the same pair. Spends and
 * released groups are then summed per pair over a time window (created_at), not per period index.
 *
 * `released_groups` also gains what the guard compares after the PSI step: `matched`, the keyed
 * fingerprints of the group's matched records where this node may know them (the agreement grants
 * it membership), and `matched_count`, the exact number of matched records. Rows written before
 * version 10 have neither and are compared by their input sets, as then.
 */
const PRIVACY_SCHEMA_V10 = `
ALTER TABLE privacy_spends ADD COLUMN peer_node_id TEXT NOT NULL DEFAULT '';
ALTER TABLE privacy_spends ADD COLUMN local_dataset TEXT NOT NULL DEFAULT '';
ALTER TABLE privacy_spends ADD COLUMN peer_dataset TEXT NOT NULL DEFAULT '';
UPDATE privacy_spends SET
${agreementPairAssignments('privacy_spends.agreement_id')};
CREATE INDEX privacy_spends_pair ON privacy_spends (peer_node_id, local_dataset, peer_dataset, created_at);

ALTER TABLE released_groups ADD COLUMN peer_node_id TEXT NOT NULL DEFAULT '';
ALTER TABLE released_groups ADD COLUMN local_dataset TEXT NOT NULL DEFAULT '';
ALTER TABLE released_groups ADD COLUMN peer_dataset TEXT NOT NULL DEFAULT '';
ALTER TABLE released_groups ADD COLUMN matched BLOB;
ALTER TABLE released_groups ADD COLUMN matched_count INTEGER;
UPDATE released_groups SET
${agreementPairAssignments('released_groups.agreement_id')};
CREATE INDEX released_groups_pair ON released_groups (peer_node_id, local_dataset, peer_dataset, created_at);
`;

/** The privacy domain's migration steps (see node/store/migrations.ts). */
export const PRIVACY_MIGRATIONS: readonly Migration[] = [
  { version: 5, sql: PRIVACY_SCHEMA_V5 },
  { version: 10, sql: PRIVACY_SCHEMA_V10 },
];
