import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../events/schema.js';
import { testPipeline } from '../../test/support/pipeline.js';
import { ACTOR } from '../../test/support/event-store.js';
import { insightFixture, type InsightFixture } from '../../test/support/insight-fixture.js';
import { storeAgreement } from '../../test/support/stored-agreement.js';
import type { EventResult } from './event.js';

// A model restricted to a real saved segment, through the node's own wiring (node/pipeline.ts).
let fx: InsightFixture;
const AGREEMENT = '0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';
const op = { id: 'token:operator-1' };

const pipelineWith = (identifierKind: 'raw' | 'phone') =>
  testPipeline({ dir: fx.dir, db: fx.db, audit: fx.audit, now: () => fx.clock.now, insight: fx.insight, config: { events: { identifierKind } } });

beforeAll(async () => {
  fx = await insightFixture();
  // cust-0 … cust-7: gold when i is even; the partner flags cust-0 and cust-3.
  await fx.importRows(
    'customers',
    Array.from({ length: 8 }, (_, i) => ({ id: `cust-${i}`, tier: i % 2 === 0 ? 'gold' : 'basic' })),
  );
  storeAgreement(fx.db, AGREEMENT, 'accepted', 'partner:telco:active');
  const put = fx.db.prepare(
    "INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES ('customers', ?, 'partner:telco:active', 'true', ?, 'run-1', '2026-02-01T00:00:00.000Z')",
  );
  for (const id of ['cust-0', 'cust-3']) put.run(id, AGREEMENT);
  await fx.insight.createSegment({ name: 'gold', dataset: 'customers', rule: { attr: 'tier', op: 'eq', value: 'gold' } }, op);
  await fx.insight.createSegment({ name: 'telco', dataset: 'customers', rule: { attr: 'partner:telco:active', op: 'eq', value: true } }, op);
  // One login per customer on 1 March.
  const pipeline = pipelineWith('raw');
  const store = await pipeline.eventStore();
  for (let i = 0; i < 8; i++) {
    await store.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, 'login', TIMESTAMP '2026-03-01 10:00:00', TIMESTAMP '2026-03-01 10:00:00', '{}')`, [
      `e${i}`,
      `cust-${i}`,
    ]);
  }
  pipeline.close();
});
afterAll(() => fx.close());

const params = (segment: string) => ({ event: 'login', from: '2026-03-01', to: '2026-03-01', segment });

describe('a model restricted to a saved segment', () => {
  it('counts only the members, for a profile rule and for an allowed joint attribute', async () => {
    const pipeline = pipelineWith('raw');
    try {
      const gold = (await pipeline.analytics.run('event', params('gold'), ACTOR)).result as EventResult;
      expect(gold.total.current).toMatchObject({ count: 4, customers: 4 });
      const telco = (await pipeline.analytics.run('event', params('telco'), ACTOR)).result as EventResult;
      expect(telco.total.current).toMatchObject({ count: 2, customers: 2 });
    } finally {
      pipeline.close();
    }
  });

  it("refuses a segment whose dataset's identifier kind differs from the events'", async () => {
    const pipeline = pipelineWith('phone');
    try {
      await expect(pipeline.analytics.run('event', params('gold'), ACTOR)).rejects.toMatchObject({
        code: 'ANALYTICS_SEGMENT_MISMATCH',
        details: { field: 'segment', segmentKind: 'raw', eventsKind: 'phone' },
      });
    } finally {
      pipeline.close();
    }
  });

  it('withholds a segment on a joint attribute once its agreement is revoked, instead of using its stale members', async () => {
    const pipeline = pipelineWith('raw');
    try {
      fx.db.prepare("UPDATE agreements SET status = 'revoked', revoked_by = 'sha256:b', revoked_reason = 'ended' WHERE id = ?").run(AGREEMENT);
      await expect(pipeline.analytics.run('event', params('telco'), ACTOR)).rejects.toMatchObject({
        code: 'ANALYTICS_SEGMENT_WITHHELD',
        details: { field: 'segment', attributes: ['partner:telco:active'] },
      });
      // A segment on profile attributes only is unaffected.
      expect(((await pipeline.analytics.run('event', params('gold'), ACTOR)).result as EventResult).total.current.count).toBe(4);
      await expect(pipeline.analytics.run('event', params('nope'), ACTOR)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    } finally {
      pipeline.close();
    }
  });
});
