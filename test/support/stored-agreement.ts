/**
 * Test support: an agreement row as the agreement workflow would have stored it (signed terms,
 * both signatures), giving enrich results to this node (the proposer) under `enrichAttribute`.
 * For tests of what joint attributes may be used for.
 */
import { agreementHash } from '../../node/agreements/model.js';
import type { Db } from '../../node/store/db.js';

export function storeAgreement(db: Db, id: string, status: 'accepted' | 'revoked', enrichAttribute: string): void {
  const terms = {
    id,
    version: 2,
    title: 'Bank x Telco',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2027-01-01T00:00:00.000Z',
    parties: {
      proposer: { nodeId: 'sha256:a', name: 'bank', dataset: 'customers', columns: ['id'] },
      acceptor: { nodeId: 'sha256:b', name: 'telco', dataset: 'subs', columns: ['id', 'plan'] },
    },
    operations: ['enrich'],
    outputs: { overlap: [], enrich: ['proposer'] },
    minIntersection: 1,
    enrichAttribute,
    idKind: 'raw',
    labels: [{ column: 'plan', type: 'category', maxBytes: 8 }],
    oprfKeyEpochDays: 30,
  };
  const sig = JSON.stringify({ signer: 'x', signature: 'y', at: '2026-01-01T00:00:00.000Z' });
  db.prepare(
    `INSERT INTO agreements (id, terms, terms_hash, local_party, peer_node_id, status, proposer_signature, acceptor_signature, revoked_by, revoked_reason, created_at, updated_at)
     VALUES (?, ?, ?, 'proposer', 'sha256:b', ?, ?, ?, ?, ?, '2026-01-01', '2026-01-01')`,
  ).run(
    id,
    JSON.stringify(terms),
    agreementHash(terms as never),
    status,
    sig,
    sig,
    status === 'revoked' ? 'sha256:b' : null,
    status === 'revoked' ? 'ended' : null,
  );
}
