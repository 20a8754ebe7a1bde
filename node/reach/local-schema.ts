/**
 * Tables of the channels the node keeps itself (migration 21): the in-app inbox, the call lists,
 * the branch staff tasks. Each row is one outbox message, unique by its idempotency key, so a
 * delivery repeated after a crash finds the row it wrote. Customer ids are stored (the app, the
 * call centre and the branches need them) but never leave in audit entries or logs.
 */
import type { Migration } from '../store/db.js';

const LOCAL_CHANNELS_SCHEMA_V21 = `
CREATE TABLE reach_inbox (
  id              INTEGER PRIMARY KEY,
  key             TEXT NOT NULL UNIQUE,       -- the outbox idempotency key
  dataset         TEXT NOT NULL,
  customer_id     TEXT NOT NULL,              -- normalised as the dataset's identifiers
  journey_id      INTEGER NOT NULL,
  journey_version INTEGER NOT NULL,
  node_id         TEXT NOT NULL,
  subject         TEXT,
  body            TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  read_at         TEXT,                       -- null: unread
  deleted_at      TEXT                        -- a soft delete: the customer no longer sees it
);
CREATE INDEX reach_inbox_customer ON reach_inbox (dataset, customer_id, id);

CREATE TABLE reach_calls (
  id              INTEGER PRIMARY KEY,
  key             TEXT NOT NULL UNIQUE,
  list            TEXT NOT NULL,              -- j<journey>.n<node>, or the list the reach node names
  dataset         TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  journey_id      INTEGER NOT NULL,
  journey_version INTEGER NOT NULL,
  node_id         TEXT NOT NULL,
  subject         TEXT,
  script          TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'done')),
  attempts        INTEGER NOT NULL DEFAULT 0, -- outcomes recorded so far
  claimed_by      TEXT,
  claimed_at      TEXT,
  outcome         TEXT,                       -- the latest outcome code
  value           REAL,
  outcome_by      TEXT,
  outcome_at      TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX reach_calls_list ON reach_calls (list, status, priority DESC, id);

CREATE TABLE reach_tasks (
  id              INTEGER PRIMARY KEY,
  key             TEXT NOT NULL UNIQUE,
  unit            TEXT,                       -- the organisation unit that owns it; null: the whole organisation (no units defined)
  unit_fallback   INTEGER NOT NULL,           -- 1 when the customer had no known unit and the head office got it
  dataset         TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  journey_id      INTEGER NOT NULL,
  journey_version INTEGER NOT NULL,
  node_id         TEXT NOT NULL,
  title           TEXT,
  body            TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  due_on          TEXT NOT NULL,              -- YYYY-MM-DD (UTC)
  status          TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  assignee        TEXT,                       -- a relationship manager's staff id
  outcome         TEXT,
  value           REAL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  updated_by      TEXT NOT NULL
);
CREATE INDEX reach_tasks_unit ON reach_tasks (unit, status, due_on);
`;

export const LOCAL_CHANNEL_MIGRATIONS: readonly Migration[] = [{ version: 21, sql: LOCAL_CHANNELS_SCHEMA_V21 }];
