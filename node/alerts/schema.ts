/**
 * Tables owned by the alerts domain (migrations 13 and 14): saved metrics, the alert rules on them, and
 * what the rules did (fired, resolved, failed to evaluate) with the webhook delivery of each.
 *
 * A metric keeps its current definition and a version number that every change raises; each change
 * is audited with its version, so the definition a past alert was judged on can be read from the
 * audit log. Alert events keep no foreign key: the history outlives a deleted metric or rule.
 */
import type { Migration } from '../store/db.js';

const ALERT_SCHEMA_V13 = `
CREATE TABLE alert_metrics (
  name        TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  model       TEXT NOT NULL,
  params      TEXT NOT NULL,                -- JSON, the model's parameters
  scalar      TEXT NOT NULL,                -- the named scalar of the result that is watched
  window_days INTEGER NOT NULL,             -- the period: this many days (in events.timeZone) ...
  window_through TEXT NOT NULL CHECK (window_through IN ('today', 'yesterday')), -- ... ending with this one
  description TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_by  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE alert_rules (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  metric           TEXT NOT NULL REFERENCES alert_metrics (name) ON DELETE CASCADE,
  kind             TEXT NOT NULL CHECK (kind IN ('threshold', 'change')),
  direction        TEXT NOT NULL CHECK (direction IN ('above', 'below', 'either')),
  value            REAL NOT NULL,           -- the threshold, or the change in percent
  every_minutes    INTEGER NOT NULL,
  cooldown_minutes INTEGER NOT NULL,
  webhook          TEXT,                    -- a webhook named in the config; null: the default one
  enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  state            TEXT NOT NULL CHECK (state IN ('ok', 'firing')),
  next_at          TEXT NOT NULL,
  last_fired_at    TEXT,
  last_evaluated_at TEXT,
  last_error       TEXT,
  created_by       TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX alert_rules_due ON alert_rules (enabled, next_at);
CREATE INDEX alert_rules_metric ON alert_rules (metric);

CREATE TABLE alert_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  rule        INTEGER NOT NULL,
  metric      TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('fired', 'resolved', 'error')),
  value       REAL,
  previous    REAL,
  at          TEXT NOT NULL,
  error_code  TEXT,
  error       TEXT,
  delivery    TEXT NOT NULL CHECK (delivery IN ('none', 'pending', 'delivered', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER,                      -- of the last attempt
  detail      TEXT                          -- the receiver's reply (filtered, untrustedText) or why delivery failed
);
CREATE INDEX alert_events_rule ON alert_events (rule, id);
CREATE INDEX alert_events_metric ON alert_events (metric, id);
`;

/**
 * The body and webhook of a delivery, written with the alert event in its transaction: a node that
 * stops before the receiver answered posts the same body (same Mofang-Delivery id) when it runs
 * again. The body is dropped once the delivery ends.
 */
const ALERT_SCHEMA_V14 = `
ALTER TABLE alert_events ADD COLUMN body TEXT;     -- the webhook body while the delivery is pending
ALTER TABLE alert_events ADD COLUMN webhook TEXT;  -- the webhook named in the config; null: the default one
`;

export const ALERT_MIGRATIONS: readonly Migration[] = [
  { version: 13, sql: ALERT_SCHEMA_V13 },
  { version: 14, sql: ALERT_SCHEMA_V14 },
];
