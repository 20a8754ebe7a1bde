import { describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import { openNodeDatabase } from '../database.js';
import { checkRunRateLimits, insertRun } from './runs.js';

const now = new Date('2026-01-10T12:00:00.000Z');

describe('rate limits before a run', () => {
  it("counts the agreement's maxQueriesPerDay over every agreement on its data pair, and caps runs per peer", () => {
    const db = openNodeDatabase(':memory:');
    const limited = storedAggregateAgreement('proposer', { maxQueriesPerDay: 2 });
    const run = (id: string, agreementId: string, peerNodeId = limited.peerNodeId, startedAt = now) =>
      insertRun(db, { id, agreementId, operation: 'aggregate', role: 'querier', peerNodeId, dataset: 'customers', localSize: 100, startedAt });
    // Runs of another agreement over the same pair count against this one: both agreements are stored.
    const agreementRow = (a: typeof limited) =>
      db
        .prepare(
          `INSERT INTO agreements (id, terms, terms_hash, local_party, peer_node_id, status, proposer_signature, acceptor_signature, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?)`,
        )
        .run(
          a.id,
          JSON.stringify(a.terms),
          a.termsHash,
          a.localParty,
          a.peerNodeId,
          JSON.stringify(a.proposerSignature),
          JSON.stringify(a.acceptorSignature),
          a.createdAt,
          a.updatedAt,
        );
    const earlier = storedAggregateAgreement('proposer', {}, '2f8fad5b-d9cb-469f-a165-70867728950e');
    agreementRow(limited);
    agreementRow(earlier);
    run('old', earlier.id, limited.peerNodeId, new Date(now.getTime() - 25 * 3_600_000));
    run('r1', earlier.id);
    expect(() => checkRunRateLimits(db, limited, { peerQueriesPerDay: 100 }, now)).not.toThrow();
    run('r2', earlier.id);
    expect(() => checkRunRateLimits(db, limited, { peerQueriesPerDay: 100 }, now)).toThrow(
      expect.objectContaining({ code: 'QUERY_LIMIT_REACHED', message: `agreement ${limited.id} allows 2 queries per 24 hours; the limit is reached` }),
    );
    // The node's cap per peer counts every run with the peer, whatever the agreement.
    expect(() => checkRunRateLimits(db, earlier, { peerQueriesPerDay: 2 }, now)).toThrow(
      expect.objectContaining({ code: 'QUERY_LIMIT_REACHED', details: { limit: 2, peerNodeId: limited.peerNodeId } }),
    );
    expect(() => checkRunRateLimits(db, earlier, { peerQueriesPerDay: 3 }, now)).not.toThrow();
  });
});
