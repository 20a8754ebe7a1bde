/** Tables of the tracking plan (see store.ts for what reads and writes them). */
import type { Migration } from '../../store/db.js';

const TRACKING_PLAN_SCHEMA_V12 = `
CREATE TABLE tracking_plan_versions (
  version    INTEGER PRIMARY KEY,            -- 1, 2, …; no row: the empty plan, version 0
  plan       TEXT NOT NULL,                  -- canonical JSON of the whole plan (events/plan/model.ts)
  change     TEXT NOT NULL,                  -- JSON PlanChange: what differs from the version before
  actor      TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Operational state per event name, outside the versions: pausing is not a change of the plan.
CREATE TABLE tracking_plan_events (
  name      TEXT PRIMARY KEY,
  paused    INTEGER NOT NULL DEFAULT 0,
  paused_at TEXT,
  paused_by TEXT,
  dropped   INTEGER NOT NULL DEFAULT 0       -- events dropped while paused, ever
);
`;

/** The tracking plan's migration steps (see node/store/migrations.ts). */
export const TRACKING_PLAN_MIGRATIONS: readonly Migration[] = [{ version: 12, sql: TRACKING_PLAN_SCHEMA_V12 }];
