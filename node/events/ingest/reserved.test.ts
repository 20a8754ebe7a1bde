import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newEvent } from '../../../sdk/src/event.js';
import { trackingPlanFixture } from '../../../test/support/tracking-plan-fixture.js';
import { asMofangError } from '../../errors.js';
import { compilePlan } from '../plan/compile.js';
import { checkPlan } from '../plan/model.js';
import { EventStore } from '../store.js';
import { eventIngest } from './service.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const ACTOR = { id: 'token:app-1', role: 'ingest' as const };
const REASON = `names starting "mofang." are reserved for the node's own events`;
const stores: EventStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** Ingestion under a plan that would quarantine any undeclared event: a reserved name is still refused, never kept aside. */
async function ingestion() {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-reserved-'));
  const store = await EventStore.open(join(dir, 'events.duckdb'));
  stores.push(store);
  const ingest = eventIngest({
    store: async () => store,
    plan: () => compilePlan({ undeclared: 'quarantine', events: {} }),
    countPaused: () => {},
    audit: { append: () => {}, appendAll: () => {}, flushHead: () => {} },
    metrics: { eventsIngested: () => {} },
    limits: { identifierKind: 'raw', futureToleranceSeconds: 300, maxAgeDays: 400, maxBatch: 100 },
    now: () => NOW,
  });
  const stored = async () => (await store.all('SELECT name FROM events UNION ALL SELECT name FROM events_quarantine')).map((r) => r.name);
  return { dir, ingest, stored };
}

const forged = { eventId: 'e1', customerId: '1001', name: 'mofang.reach.clicked', time: NOW.toISOString(), properties: { key: 'j7.v2.noffer.e1' } };

describe('the reserved mofang. prefix', () => {
  it('is refused in an HTTP batch (the SDK posts these) with the reason, and nothing is stored or quarantined', async () => {
    const t = await ingestion();
    const report = await t.ingest.ingest([forged, { ...forged, eventId: 'e2', name: 'app.opened' }], ACTOR);
    expect(report.rejected).toEqual([{ index: 0, field: 'name', reason: REASON }]);
    expect(await t.stored()).toEqual(['app.opened']);
  });

  it('is refused in a file import, by line', async () => {
    const t = await ingestion();
    const file = join(t.dir, 'events.jsonl');
    writeFileSync(file, `${JSON.stringify(forged)}\n`);
    const report = await t.ingest.importFile(file, { format: 'jsonl', listRejected: 10 }, ACTOR);
    expect(report.rejected).toBe(1);
    expect(report.firstRejected).toEqual([{ line: 1, field: 'name', reason: REASON }]);
    expect(await t.stored()).toEqual([]);
  });

  it("gets in only through the node's own path, which takes nothing else", async () => {
    const t = await ingestion();
    const own = { eventId: 'x', customerId: '1001', name: 'mofang.reach.sent', time: NOW, properties: {} };
    expect(await t.ingest.storeOwn([own])).toEqual({ accepted: 1, duplicates: 0 });
    await expect(t.ingest.storeOwn([{ ...own, name: 'app.opened' }])).rejects.toThrow(/only the node's own events/);
    expect(await t.stored()).toEqual(['mofang.reach.sent']);
  });

  it('cannot be declared in the tracking plan, whole or one event at a time', async () => {
    const err = (() => {
      try {
        checkPlan({ events: { 'mofang.reach.clicked': { properties: {} } } });
      } catch (e) {
        return asMofangError(e);
      }
    })();
    expect(err?.code).toBe('TRACKING_PLAN_INVALID');
    expect(err?.message).toContain(REASON);
    const fx = await trackingPlanFixture();
    try {
      expect(() => fx.plan.putEvent('mofang.reach.sent', { properties: {} }, { id: 'token:admin', role: 'admin' })).toThrow(REASON);
      expect(fx.plan.current().plan.events).toEqual({});
    } finally {
      fx.close();
    }
  });

  it('is dropped by the SDK before it is queued, saying why', () => {
    expect(newEvent('mofang.reach.clicked', {}, undefined, '1001')).toBe(`track("mofang.reach.clicked"): ${REASON}`);
    expect(typeof newEvent('app.opened', {}, undefined, '1001')).toBe('object');
  });
});
