/**
 * Jobs: every joint query is a job with a state, progress and a lease. The lease lets a node (or
 * a CLI process) claim a job, and lets another runner take over a job whose owner died.
 */
import type { Migration } from '../store/db.js';
const JOB_SCHEMA_V2 = `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('overlap', 'enrich', 'intersect')),
  agreement_ids TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  phase TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  rate REAL,
  eta_seconds REAL,
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  cancel_reason TEXT,
  lease_owner TEXT,
  lease_until TEXT,
  not_before TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  updated_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX jobs_status ON jobs (status, created_at);

CREATE TABLE runners (
  owner TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  heartbeat_at TEXT NOT NULL
);
`;

/** Migration 5: aggregate and score jobs (the CHECK constraint needs a rebuild of the table). */
const JOB_SCHEMA_V5 = `
CREATE TABLE jobs_v5 (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('overlap', 'enrich', 'intersect', 'aggregate', 'score')),
  agreement_ids TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  phase TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  rate REAL,
  eta_seconds REAL,
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  cancel_reason TEXT,
  lease_owner TEXT,
  lease_until TEXT,
  not_before TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  updated_at TEXT NOT NULL,
  finished_at TEXT
);
INSERT INTO jobs_v5 (id, kind, agreement_ids, options, status, attempt, phase, done, total, rate, eta_seconds, result, error_code, error_message,
  cancel_requested, cancel_reason, lease_owner, lease_until, not_before, created_by, created_at, started_at, updated_at, finished_at)
SELECT id, kind, agreement_ids, options, status, attempt, phase, done, total, rate, eta_seconds, result, error_code, error_message,
  cancel_requested, cancel_reason, lease_owner, lease_until, not_before, created_by, created_at, started_at, updated_at, finished_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v5 RENAME TO jobs;
CREATE INDEX jobs_status ON jobs (status, created_at);
`;

/** The jobs domain's migration steps (see node/store/migrations.ts). */
export const JOB_MIGRATIONS: readonly Migration[] = [
  { version: 2, sql: JOB_SCHEMA_V2 },
  { version: 5, sql: JOB_SCHEMA_V5 },
];
