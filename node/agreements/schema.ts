/**
 * Tables owned by the agreements domain. One row per agreement, holding the canonical terms and
 * both signatures, so either node can prove what was agreed without asking the other.
 *
 * `proposed` = we proposed, waiting for the peer; `pending` = the peer proposed, waiting for our
 * review; `accepted` and `revoked` mean the same on both nodes. `revoked` is terminal.
 */
import type { Migration } from '../store/db.js';
const AGREEMENT_SCHEMA_V1 = `
CREATE TABLE agreements (
  id                   TEXT PRIMARY KEY,
  terms                TEXT NOT NULL,                        -- canonical JSON of AgreementTerms
  terms_hash           TEXT NOT NULL,                        -- sha256 hex of terms; what both parties signed
  local_party          TEXT NOT NULL CHECK (local_party IN ('proposer', 'acceptor')),
  peer_node_id         TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('proposed', 'pending', 'accepted', 'revoked')),
  proposer_signature   TEXT NOT NULL,                        -- canonical JSON of TermsSignature
  acceptor_signature   TEXT,
  revoked_by           TEXT,                                 -- node id of the party that revoked
  revoked_reason       TEXT,
  revocation_signature TEXT,                                 -- canonical JSON of the revoker's TermsSignature, if signed
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  -- Defence in depth for the state machine in store.ts: an accepted agreement always carries both
  -- signatures, and a revoked one always says who revoked it and why.
  CHECK (status <> 'accepted' OR acceptor_signature IS NOT NULL),
  CHECK (status <> 'revoked' OR (revoked_by IS NOT NULL AND revoked_reason IS NOT NULL))
);
CREATE INDEX agreements_status ON agreements (status);
`;

/**
 * Version 9: the delivery outbox. An acceptance or revocation is written here in the same
 * transaction as the local state change, so a crash or an unreachable peer can delay telling the
 * peer but never lose it. The message itself is rebuilt from the `agreements` row (the acceptor's or
 * revoker's stored signature), so the outbox holds only the delivery bookkeeping.
 *
 * `pending` = not yet acknowledged by the peer; `delivered` = the peer acknowledged it;
 * `refused` = the peer answered with a refusal that re-sending cannot change (e.g. it had revoked).
 */
const AGREEMENT_OUTBOX_SCHEMA_V9 = `
CREATE TABLE agreement_outbox (
  agreement_id    TEXT NOT NULL REFERENCES agreements (id),
  action          TEXT NOT NULL CHECK (action IN ('accept', 'revoke')),
  peer_node_id    TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,                                      -- set while pending
  last_error_code TEXT,                                      -- catalogue code of the last failure
  last_error      TEXT,                                      -- its message, passed through untrustedText
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  delivered_at    TEXT,
  PRIMARY KEY (agreement_id, action),
  CHECK (state <> 'pending' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX agreement_outbox_due ON agreement_outbox (state, next_attempt_at);
`;

/**
 * SET assignments of a row's data pair — peer node id, our dataset, their dataset — from the
 * agreement whose id is `agreementIdColumn`: the one place where SQL outside this folder (a data
 * migration of the privacy ledger) learns how a pair is read from the agreements table.
 */
export function agreementPairAssignments(agreementIdColumn: string): string {
  const of = (expr: string) => `(SELECT ${expr} FROM agreements a WHERE a.id = ${agreementIdColumn})`;
  return [
    `  peer_node_id  = coalesce(${of('a.peer_node_id')}, ''),`,
    `  local_dataset = coalesce(${of("json_extract(a.terms, '$.parties.' || a.local_party || '.dataset')")}, ''),`,
    `  peer_dataset  = coalesce(${of("json_extract(a.terms, '$.parties.' || CASE a.local_party WHEN 'proposer' THEN 'acceptor' ELSE 'proposer' END || '.dataset')")}, '')`,
  ].join('\n');
}

/**
 * Version 11: the floors of its own policy the acceptor overrode, on both nodes: the acceptor
 * records its own, the proposer what the acceptance message said (JSON array; NULL: none).
 */
const AGREEMENT_ACCEPTOR_OVERRIDE_V11 = `
ALTER TABLE agreements ADD COLUMN acceptor_policy_override TEXT;
`;

/** The agreements domain's migration steps (see node/store/migrations.ts). */
export const AGREEMENT_MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: AGREEMENT_SCHEMA_V1 },
  { version: 9, sql: AGREEMENT_OUTBOX_SCHEMA_V9 },
  { version: 11, sql: AGREEMENT_ACCEPTOR_OVERRIDE_V11 },
];
