/**
 * The reach feedback ledger (migration 20): one row per message and outcome, with where the
 * message came from (journey, version, node, entry, channel) copied from the outbox row, so the
 * campaign reports count it without reading any customer identifier. `event_written` is cleared
 * until the row's `mofang.reach.<outcome>` event is in the event store: the two stores commit
 * apart, and the node writes the events of unwritten rows again at start (idempotent by event id).
 */
import type { Migration } from '../store/db.js';

const FEEDBACK_SCHEMA_V20 = `
CREATE TABLE reach_outcomes (
  key           TEXT NOT NULL,               -- the outbox idempotency key
  outcome       TEXT NOT NULL CHECK (outcome IN ('sent', 'suppressed', 'failed', 'dead', 'delivered', 'bounced', 'opened', 'clicked', 'replied', 'unsubscribed', 'task_outcome')),
  journey       INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  node          TEXT NOT NULL,
  entry         INTEGER NOT NULL,
  channel       TEXT NOT NULL,
  at            TEXT NOT NULL,               -- when it happened (ISO 8601 UTC); the event's time
  detail        TEXT,
  value         REAL,
  repeats       INTEGER NOT NULL DEFAULT 0,  -- the same outcome reported again (a provider's retried callback)
  event_written INTEGER NOT NULL DEFAULT 0,
  recorded_at   TEXT NOT NULL,
  PRIMARY KEY (key, outcome)
) WITHOUT ROWID;
CREATE INDEX reach_outcomes_journey ON reach_outcomes (journey, outcome);
CREATE INDEX reach_outcomes_unwritten ON reach_outcomes (recorded_at) WHERE event_written = 0;

-- Outcomes refused because no outbox row has their key: counted, never stored.
CREATE TABLE reach_feedback_refused (
  reason TEXT PRIMARY KEY,
  count  INTEGER NOT NULL
) WITHOUT ROWID;
`;

export const REACH_FEEDBACK_MIGRATIONS: readonly Migration[] = [{ version: 20, sql: FEEDBACK_SCHEMA_V20 }];
