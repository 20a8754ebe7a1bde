/**
 * Tables owned by the agreements domain. One row per agreement, holding the canonical terms and
 * both signatures, so either node can prove what was agreed without asking the other.
 *
 * `proposed` = we proposed, waiting for the peer; `pending` = the peer proposed, waiting for our
 * review; `accepted` and `revoked` mean the same on both nodes. `revoked` is terminal.
 */
export const AGREEMENT_SCHEMA_V1 = `
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
