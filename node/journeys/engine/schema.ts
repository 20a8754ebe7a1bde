/**
 * Tables of the journey engine (migration 16): one row per customer's entry into a journey with
 * where it stands and when it wakes, the counts per node a report reads, a short path per entry,
 * the outbox the reach module drains, the profile updates journeys make, and the event cursor the
 * engine catches up from after a restart.
 *
 * An entry advances in one transaction (its state, its outbox row, the frequency gate's counts),
 * so a crash between two advances leaves a consistent state to resume from.
 */
import type { Migration } from '../../store/db.js';

const ENGINE_SCHEMA_V16 = `
CREATE TABLE journey_entries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  journey       INTEGER NOT NULL REFERENCES journeys (id),
  version       INTEGER NOT NULL,
  dataset       TEXT NOT NULL,
  customer_id   TEXT NOT NULL,             -- normalised as the dataset's identifiers; never logged or audited
  trigger_key   TEXT NOT NULL,             -- what let the customer in (publish run, event id, api call): entering twice on it is a no-op
  entered_at    TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'exited', 'converted', 'failed')),
  node          TEXT NOT NULL,             -- the node it is at (waiting) or ended at
  since         TEXT NOT NULL,             -- when it arrived at that node (a wait's start)
  wake_at       TEXT,                      -- a timer: when the entry is due again (ISO 8601 UTC)
  waiting_for   TEXT,                      -- the event name a wait_event (or a pending did-A-not-B entry) waits for
  priority      INTEGER NOT NULL DEFAULT 5,
  variant       TEXT,                      -- the random split branch (or control) it was assigned
  context       TEXT NOT NULL,             -- JSON: the entering event's properties, for event.* variables
  exit_reason   TEXT,
  steps         INTEGER NOT NULL DEFAULT 0, -- advances so far: a stale advance (planned before another committed) is refused
  resume        TEXT,                      -- due at once: 'out:<outlet>' (leave the node by it) or 'arrive' (arrive at the node again, after a migration)
  ended_at      TEXT,
  UNIQUE (journey, customer_id, trigger_key)
);
CREATE INDEX journey_entries_wake ON journey_entries (wake_at) WHERE status = 'active' AND wake_at IS NOT NULL;
CREATE INDEX journey_entries_waiting ON journey_entries (customer_id, waiting_for) WHERE status = 'active';
CREATE INDEX journey_entries_customer ON journey_entries (journey, customer_id, status);

-- Customers per node and outlet: entered, each outlet taken, sent, suppressed by reason, failed.
CREATE TABLE journey_node_counts (
  journey  INTEGER NOT NULL,
  version  INTEGER NOT NULL,
  node     TEXT NOT NULL,
  outcome  TEXT NOT NULL,                  -- 'entered', 'out:<outlet>', 'sent', 'suppressed:<reason>', 'waiting:<reason>', 'failed:<reason>'
  count    INTEGER NOT NULL,
  PRIMARY KEY (journey, version, node, outcome)
) WITHOUT ROWID;

-- An entry's path: the nodes it passed with the outlet it took, for an operator's inspection.
CREATE TABLE journey_entry_steps (
  entry    INTEGER NOT NULL REFERENCES journey_entries (id),
  seq      INTEGER NOT NULL,
  node     TEXT NOT NULL,
  outcome  TEXT NOT NULL,
  at       TEXT NOT NULL,
  PRIMARY KEY (entry, seq)
) WITHOUT ROWID;

CREATE TABLE journey_outbox (
  idempotency_key TEXT PRIMARY KEY,
  journey         INTEGER NOT NULL,
  version         INTEGER NOT NULL,
  node            TEXT NOT NULL,
  entry           INTEGER NOT NULL,
  dataset         TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  channel         TEXT NOT NULL,
  template        TEXT NOT NULL,            -- JSON
  variables       TEXT NOT NULL,            -- JSON, rendered
  scheduled_at    TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  transactional   INTEGER NOT NULL,
  created_at      TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'suppressed', 'dead')),
  lease_until     TEXT,
  outcome         TEXT,                     -- JSON: the last outcome reach reported
  result          TEXT CHECK (result IN ('delivered', 'opened', 'clicked')), -- the furthest receipt
  updated_at      TEXT NOT NULL
);
CREATE INDEX journey_outbox_due ON journey_outbox (status, priority DESC, scheduled_at);

-- Attribute values and tags journeys set on a profile: dataset imports stay the source of the
-- profile tables, so a journey's write lives here (audited per node as a count) and is read back over them.
CREATE TABLE journey_profile_updates (
  dataset     TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  name        TEXT NOT NULL,               -- 'attr:<attribute>' or 'tag:<tag>'
  value       TEXT,                        -- JSON; a tag: true
  journey     INTEGER NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (dataset, customer_id, name)
) WITHOUT ROWID;

-- A segment entry's runs (and a segment change entry's looks): the next is due at next_run_at (publish sets it to now); a run that a
-- crash interrupted is repeated with the same trigger key, so members already in are not entered twice.
CREATE TABLE journey_segment_runs (
  journey      INTEGER NOT NULL REFERENCES journeys (id),
  version      INTEGER NOT NULL,
  node         TEXT NOT NULL,
  next_run_at  TEXT,
  run_key      TEXT NOT NULL,              -- the trigger key of the run due (publish:v2, run:<time>)
  PRIMARY KEY (journey, version, node)
) WITHOUT ROWID;

-- The members a segment change entry saw at its last look: who joined or left is the difference.
CREATE TABLE journey_segment_members (
  journey      INTEGER NOT NULL REFERENCES journeys (id),
  node         TEXT NOT NULL,
  customer_id  TEXT NOT NULL,
  PRIMARY KEY (journey, node, customer_id)
) WITHOUT ROWID;

-- Where real-time matching stands in the event store, by received_at: after a crash the engine
-- reads from here (the overlap is harmless: entering is idempotent per trigger event).
CREATE TABLE journey_event_cursor (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  received_at  TEXT NOT NULL
);
`;

// A paused or stopped journey's queued messages, found per journey (the dispatcher looks every round):
// without it each look would scan the whole outbox.
const ENGINE_SCHEMA_V23 = `CREATE INDEX journey_outbox_journey ON journey_outbox (journey, status, scheduled_at);`;

export const ENGINE_MIGRATIONS: readonly Migration[] = [
  { version: 16, sql: ENGINE_SCHEMA_V16 },
  { version: 23, sql: ENGINE_SCHEMA_V23 },
];
