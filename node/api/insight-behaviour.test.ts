import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { insightFixture, type InsightFixture } from '../../test/support/insight-fixture.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { listAudit } from '../audit/list.js';
import { EVENTS_TABLE } from '../events/schema.js';
import { EventStore } from '../events/store.js';

let fx: InsightFixture;
let t: TestApp;
let store: EventStore;

beforeAll(async () => {
  store = await EventStore.open(':memory:');
  fx = await insightFixture({ events: { reader: async () => store, identifierKind: 'raw', timeZone: 'UTC' } });
  await fx.importRows(
    'customers',
    Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, age: String(20 + i) })),
    { age: 'number' },
  );
  // c0…c9 bought i times in February, 500 each.
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k < i; k++) {
      await store.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, 'purchase', $3::TIMESTAMP, $3::TIMESTAMP, $4)`, [
        `e${i}-${k}`,
        `c${i}`,
        `2026-02-${String(10 + k).padStart(2, '0')} 12:00:00`,
        JSON.stringify({ amount: 500 }),
      ]);
    }
  }
  t = await testApp({ services: { ...fakeServices(), insight: fx.insight } });
});
afterAll(async () => {
  await t.close();
  fx.close();
  store.close();
});

const rule = {
  all: [
    { attr: 'age', op: 'gte', value: 25 },
    { event: { name: 'purchase', within: { days: 30 }, aggregate: { fn: 'sum', property: 'amount', op: 'gte', value: 2000 } } },
  ],
};

describe('segments with behaviour conditions over the HTTP API', () => {
  it('creates, previews and refreshes a segment mixing a profile and a behaviour condition', async () => {
    const preview = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/segments/preview',
      headers: t.as('operator'),
      payload: { dataset: 'customers', rule, sample: 0 },
    });
    expect(preview.statusCode).toBe(200);
    // age ≥ 25: c5…c19; sum ≥ 2000: 4+ purchases, c4…c9.
    expect(preview.json()).toMatchObject({ size: 5, population: 20 });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/segments',
      headers: t.as('operator'),
      payload: { name: 'loyal', dataset: 'customers', rule, refreshEveryMinutes: 60 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'loyal', rule, latest: { size: 5, trigger: 'save' } });
    const refreshed = await t.app.inject({ method: 'POST', url: '/v1/insight/segments/loyal/refresh', headers: t.as('operator') });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({ size: 5, trigger: 'manual' });
    // The audit entry names the rule by its hash, never its values.
    const [entry] = listAudit(fx.db, { action: 'segment.created' });
    expect(JSON.stringify(entry.details)).not.toContain('purchase');
  });

  it('names the path of a bad behaviour condition', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/segments',
      headers: t.as('operator'),
      payload: {
        name: 'bad',
        dataset: 'customers',
        rule: { all: [{ attr: 'age', op: 'gte', value: 25 }, { event: { name: 'purchase', within: { days: 0 } } }] },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'RULE_INVALID',
      message: 'rule.all[1].event.within.days: must be 1..3650',
      details: { path: 'rule.all[1].event.within.days' },
    });
  });

  it('runs a layering split by a behaviour metric', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/layerings/run',
      headers: t.as('operator'),
      payload: { dataset: 'customers', spec: { root: { split: { metric: { name: 'purchase', fn: 'count' }, by: 'bands', edges: [1, 5] } } } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().root.children.map((c: { label: string; size: number }) => [c.label, c.size])).toEqual([
      ['< 1', 11],
      ['[1, 5)', 4],
      ['≥ 5', 5],
    ]);
  });
});
