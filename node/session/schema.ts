/** Protocol runs (one row per joint query, on each party) and the receipts both parties sign. */
import type { Migration } from '../store/db.js';
const RUN_SCHEMA_V1 = `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  agreement_id TEXT NOT NULL,
  operation TEXT NOT NULL CHECK (operation IN ('overlap', 'enrich')),
  role TEXT NOT NULL CHECK (role IN ('querier', 'responder')),
  peer_node_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  dataset TEXT NOT NULL,
  local_size INTEGER,
  peer_size INTEGER,
  result_count INTEGER,
  attribute TEXT,
  messages_sent INTEGER NOT NULL DEFAULT 0,
  messages_received INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0,
  bytes_received INTEGER NOT NULL DEFAULT 0,
  transcript_hash TEXT,
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX runs_started ON runs (started_at);

CREATE TABLE receipts (
  run_id TEXT NOT NULL,
  signer TEXT NOT NULL,
  body TEXT NOT NULL,
  signature TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (run_id, signer)
);
`;

/**
 * Migration 2: a run started by a job names it, and can be asked to stop. Shipped in the jobs
 * domain's step of the same version; session owns runs, so the step is here now (same effect).
 */
const RUN_SCHEMA_V2 = `
ALTER TABLE runs ADD COLUMN job_id TEXT;
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
`;

/**
 * Migration 5: runs may be aggregate runs. SQLite cannot change a CHECK constraint in place, so
 * the table is rebuilt with the same columns (including migration 2's job_id and cancel_requested).
 */
const RUN_SCHEMA_V5 = `
CREATE TABLE runs_v5 (
  id TEXT PRIMARY KEY,
  agreement_id TEXT NOT NULL,
  operation TEXT NOT NULL CHECK (operation IN ('overlap', 'enrich', 'aggregate')),
  role TEXT NOT NULL CHECK (role IN ('querier', 'responder')),
  peer_node_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  dataset TEXT NOT NULL,
  local_size INTEGER,
  peer_size INTEGER,
  result_count INTEGER,
  attribute TEXT,
  messages_sent INTEGER NOT NULL DEFAULT 0,
  messages_received INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0,
  bytes_received INTEGER NOT NULL DEFAULT 0,
  transcript_hash TEXT,
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  job_id TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0
);
INSERT INTO runs_v5 (id, agreement_id, operation, role, peer_node_id, status, dataset, local_size, peer_size, result_count, attribute,
  messages_sent, messages_received, bytes_sent, bytes_received, transcript_hash, error_code, error_message, started_at, finished_at, job_id, cancel_requested)
SELECT id, agreement_id, operation, role, peer_node_id, status, dataset, local_size, peer_size, result_count, attribute,
  messages_sent, messages_received, bytes_sent, bytes_received, transcript_hash, error_code, error_message, started_at, finished_at, job_id, cancel_requested
FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE INDEX runs_started ON runs (started_at);
`;

/**
 * Migration 11: on a responder's run, the querier's dataset generation as it announced it (a keyed
 * digest, hex; null when the querier's node predates the field, and on our own queries), whether
 * it differs from the one last announced on the same data pair (a re-import), and whether the run
 * raised the pair's probing alert (one per pair and window, kept across restarts).
 */
const RUN_SCHEMA_V11 = `
ALTER TABLE runs ADD COLUMN querier_generation TEXT;
ALTER TABLE runs ADD COLUMN querier_reimport INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN probing_alert INTEGER NOT NULL DEFAULT 0;
`;

/** The runs and receipts' migration steps (see node/store/migrations.ts). */
export const RUN_MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: RUN_SCHEMA_V1 },
  { version: 2, sql: RUN_SCHEMA_V2 },
  { version: 5, sql: RUN_SCHEMA_V5 },
  { version: 11, sql: RUN_SCHEMA_V11 },
];
