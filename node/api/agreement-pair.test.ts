import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGREEMENT_ID } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import type { PairSummary } from '../agreements/pair-summary.js';

describe('GET /v1/agreements/:id: the data pair', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(() => t.close());

  it('carries the other agreements over the pair and the pair spend, as the node computed them', async () => {
    const pair: PairSummary = {
      pair: { peerNodeId: `sha256:${'b'.repeat(64)}`, localDataset: 'customers', peerDataset: 'subscribers' },
      others: [{ id: 'earlier', title: 'Q4', status: 'revoked', createdAt: '2026-01-01T00:00:00.000Z' }],
      budget: {
        periodStart: '2026-01-07T00:00:00.000Z',
        periodEnd: '2026-02-06T00:00:00.000Z',
        spent: { epsilon: '3', delta: '0' },
        total: { epsilon: '10', delta: '0' },
      },
    };
    const original = t.services.agreements.get;
    t.services.agreements.get = (id) => ({ ...original(id), pair });
    const res = await t.app.inject({ url: `/v1/agreements/${AGREEMENT_ID}`, headers: t.as('compliance') });
    expect(res.statusCode).toBe(200);
    expect(res.json().pair).toEqual(pair);
  });
});
