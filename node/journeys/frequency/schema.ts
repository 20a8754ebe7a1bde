/**
 * Tables of global frequency control (migration 17): the send ledger the caps count in, the
 * record of every suppression and wait (the reach reports read it), and channel consent.
 *
 * The ledger is keyed by customer × channel × *local* day; a week's or a month's count is the sum
 * of its days, so one row per send is written, and a cap change needs no recount. Rows older than
 * any period still being counted are pruned (ledger.ts). No index on the day: it made every send's
 * upsert write a second B-tree (the gate's main cost); the pruning scans instead, a few times a day. Suppression records hold no customer
 * identifier: a report counts them by journey, node, channel and reason.
 */
import type { Migration } from '../../store/db.js';

const FREQUENCY_SCHEMA_V17 = `
CREATE TABLE frequency_ledger (
  dataset      TEXT NOT NULL,
  customer_id  TEXT NOT NULL,              -- normalised as the dataset's identifiers
  channel      TEXT NOT NULL,
  day          INTEGER NOT NULL,           -- local day number in the customer's zone (days since 1970-01-01)
  sends        INTEGER NOT NULL,
  PRIMARY KEY (dataset, customer_id, day, channel)
) WITHOUT ROWID;

CREATE TABLE frequency_suppressions (
  id              INTEGER PRIMARY KEY,
  journey_id      INTEGER NOT NULL,
  journey_version INTEGER NOT NULL,
  node_id         TEXT NOT NULL,
  entry_id        INTEGER NOT NULL,
  channel         TEXT NOT NULL,
  outcome         TEXT NOT NULL CHECK (outcome IN ('suppress', 'wait')),
  reason          TEXT NOT NULL CHECK (reason IN ('cap', 'quiet_hours', 'holiday', 'no_consent', 'opted_out')),
  detail          TEXT NOT NULL,             -- the rule that applied; never an identifier
  at              TEXT NOT NULL,             -- when the engine wanted to send (ISO 8601 UTC)
  until           TEXT                       -- a wait: when to ask again
);
CREATE INDEX frequency_suppressions_at ON frequency_suppressions (at);
CREATE INDEX frequency_suppressions_journey ON frequency_suppressions (journey_id, at);

CREATE TABLE customer_consent (
  dataset      TEXT NOT NULL,
  customer_id  TEXT NOT NULL,              -- normalised as the dataset's identifiers
  channel      TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('opted_in', 'opted_out')),
  source       TEXT NOT NULL,              -- where the customer said so: a form, a branch, an unsubscribe link
  updated_at   TEXT NOT NULL,
  updated_by   TEXT NOT NULL,
  PRIMARY KEY (dataset, customer_id, channel)
) WITHOUT ROWID;
`;

export const FREQUENCY_MIGRATIONS: readonly Migration[] = [{ version: 17, sql: FREQUENCY_SCHEMA_V17 }];
