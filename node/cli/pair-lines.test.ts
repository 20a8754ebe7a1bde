import { describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import type { AgreementView } from '../api/services.js';
import { pairLines } from './format.js';

describe('agreements show / accept: the data pair block', () => {
  const a = storedAggregateAgreement('acceptor');
  const base: AgreementView = { ...a, terms: a.terms as unknown as Record<string, unknown>, policyIssues: [], disclosure: { operations: [], warnings: [] } };

  it('lists the other agreements over the pair and what the pair spent this period', () => {
    const out = pairLines({
      ...base,
      pair: {
        pair: { peerNodeId: a.peerNodeId, localDataset: 'subscribers', peerDataset: 'customers\u202e' },
        others: [{ id: 'earlier-id', title: 'Q4 scores', status: 'accepted', createdAt: '2026-01-01T00:00:00.000Z' }],
        budget: {
          periodStart: '2026-01-07T00:00:00.000Z',
          periodEnd: '2026-02-06T00:00:00.000Z',
          spent: { epsilon: '7', delta: '0' },
          total: { epsilon: '10', delta: '0' },
        },
      },
    }).join('\n');
    expect(out).toContain('Data pair (shared by every agreement between these two datasets):');
    expect(out).toMatch(/other agreements: 1\n {4}earlier-id accepted \(created 2026-01-01T00:00:00.000Z\) — Q4 scores/);
    expect(out).toContain("spent this period: ε 7, δ 0 of this agreement's ε 10, δ 0 (2026-01-07T00:00:00.000Z to 2026-02-06T00:00:00.000Z)");
    // The peer's dataset name is the peer's text: a bidi override cannot reorder the line.
    expect(out).not.toContain('\u202e');
  });

  it('says when no other agreement shares the pair, and prints nothing without a pair', () => {
    expect(pairLines({ ...base, pair: { pair: { peerNodeId: 'p', localDataset: 'a', peerDataset: 'b' }, others: [], budget: null } })).toContain(
      '  other agreements: none',
    );
    expect(pairLines(base)).toEqual([]);
  });
});
