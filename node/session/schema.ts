/** Protocol runs (one row per joint query, on each party) and the receipts both parties sign. */
export const RUN_SCHEMA_V1 = `
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
