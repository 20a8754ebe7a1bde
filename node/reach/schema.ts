/**
 * Tables of the reach dispatcher (migration 19). The outbox stays the journey engine's; reach
 * keeps beside it what only a sender knows: how often a message was handed to its provider, and
 * the outcomes the feedback port has not yet taken (so none is lost to a crash between recording
 * an outcome and reporting it). Neither holds a customer identifier: rows are keyed by the outbox
 * key.
 */
import type { Migration } from '../store/db.js';

const REACH_SCHEMA_V19 = `
CREATE TABLE reach_attempts (
  idempotency_key TEXT PRIMARY KEY,         -- the outbox key
  channel         TEXT NOT NULL,
  attempts        INTEGER NOT NULL,         -- hand-overs to the provider since the message was written or re-driven
  last_error      TEXT,                     -- the class of the last failure: transient, permanent, timeout, variable_missing
  first_at        TEXT NOT NULL,
  last_at         TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE reach_feedback_queue (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  detail          TEXT,
  at              TEXT NOT NULL
);
`;

export const REACH_MIGRATIONS: readonly Migration[] = [{ version: 19, sql: REACH_SCHEMA_V19 }];
