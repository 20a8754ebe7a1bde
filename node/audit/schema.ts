/**
 * Audit tables. Both are append-only: the triggers make SQLite itself refuse UPDATE and DELETE,
 * so a bug or a careless admin query cannot rewrite history. They are a guard rail, not the
 * proof — someone with the file can drop them; the hash chain and signatures (verify.ts) are what
 * detect that.
 */
import type { Migration } from '../store/db.js';
export const AUDIT_SCHEMA_V1 = `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Signed checkpoints of OTHER nodes' audit logs, received in run receipts. 'at' is the peer's
-- signing time: it is part of the signed statement, so it is kept to re-verify the signature.
CREATE TABLE peer_checkpoints (
  peer_node_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  at TEXT NOT NULL,
  signature TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (peer_node_id, seq)
);
CREATE TRIGGER peer_checkpoints_no_update BEFORE UPDATE ON peer_checkpoints
BEGIN SELECT RAISE(ABORT, 'peer_checkpoints is append-only'); END;
CREATE TRIGGER peer_checkpoints_no_delete BEFORE DELETE ON peer_checkpoints
BEGIN SELECT RAISE(ABORT, 'peer_checkpoints is append-only'); END;
`;

/** The audit tables' migration steps (see node/store/migrations.ts). */
export const AUDIT_MIGRATIONS: readonly Migration[] = [{ version: 1, sql: AUDIT_SCHEMA_V1 }];
