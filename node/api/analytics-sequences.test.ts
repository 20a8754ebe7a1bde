import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import { fakeServices } from '../../test/support/fake-services.js';
import { type TestApp, testApp } from '../../test/support/test-app.js';
import type { EventStore } from '../events/store.js';

let store: EventStore;
let t: TestApp;

beforeAll(async () => {
  store = await eventStoreWith([
    { customer: 'c1', name: 'ad_click', time: '2026-03-01T08:00:00Z', properties: { campaign: 'spring' } },
    { customer: 'c1', name: 'signup', time: '2026-03-01T08:10:00Z' },
    { customer: 'c1', name: 'purchase', time: '2026-03-01T08:40:00Z', properties: { amount: 30 } },
    { customer: 'c2', name: 'signup', time: '2026-03-02T09:00:00Z' },
    { customer: 'c2', name: 'purchase', time: '2026-03-09T09:00:00Z', properties: { amount: 10 } },
  ]);
  t = await testApp({ services: { ...fakeServices(), analytics: analyticsOver(store) } });
});
afterAll(async () => {
  await t.close();
  store.close();
});

const range = { from: '2026-03-01', to: '2026-03-31' };
const post = (model: string, payload: Record<string, unknown>, role: 'operator' | 'compliance' | 'admin' = 'operator') =>
  t.app.inject({ method: 'POST', url: `/v1/analytics/${model}`, headers: t.as(role), payload: { ...range, ...payload } });

describe('POST /v1/analytics/{interval,path,attribution,ltv}', () => {
  it('runs interval: signup to purchase is 30 min for c1 and 7 days for c2', async () => {
    const res = await post('interval', { initial: { event: 'signup' }, target: { event: 'purchase' }, buckets: [3600] }, 'compliance');
    expect(res.statusCode).toBe(200);
    expect(res.json().result).toEqual({
      pairs: 2,
      customers: 2,
      mean: (1_800 + 604_800) / 2,
      p25: 1_800 + 0.25 * 603_000,
      median: (1_800 + 604_800) / 2,
      p75: 1_800 + 0.75 * 603_000,
      p90: 1_800 + 0.9 * 603_000,
      histogram: [
        { from: 0, to: 3600, pairs: 1 },
        { from: 3600, to: null, pairs: 1 },
      ],
    });
    expect(res.json().scalars).toMatchObject({ pairs: 2, median: 303_300 });
  });

  it('runs path with the defaults filled in: c2 buys a week later, in another session', async () => {
    const res = await post('path', { anchor: { event: 'signup' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().params).toMatchObject({ direction: 'after', depth: 3, top: 5, sessionGapSeconds: 1800 });
    expect(res.json().result).toEqual({
      nodes: [
        { id: '0:signup', step: 0, name: 'signup', customers: 2 },
        { id: '1:purchase', step: 1, name: 'purchase', customers: 1 },
      ],
      links: [{ source: '0:signup', target: '1:purchase', customers: 1 }],
    });
  });

  it('runs attribution by campaign: c1 purchase from the spring ad, c2 direct', async () => {
    const res = await post('attribution', {
      goal: { event: 'purchase' },
      valueProperty: 'amount',
      touches: [{ event: 'ad_click' }],
      model: 'linear',
      byProperty: 'campaign',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result).toEqual({
      model: 'linear',
      goals: 2,
      value: 40,
      direct: { goals: 1, share: 0.5, value: 10 },
      credits: [{ key: 'spring', conversions: 1, value: 30 }],
    });
  });

  it('runs LTV by week: c1 signs up on Sunday 1 March, c2 on Monday 2 March, a week apart', async () => {
    const res = await post('ltv', { start: { event: 'signup' }, value: { event: 'purchase' }, valueProperty: 'amount', granularity: 'week', periods: 3 });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.cohorts).toEqual([
      { cohort: '2026-02-23', customers: 1, cumulative: [30, 30, 30], perCustomer: [30, 30, 30] },
      { cohort: '2026-03-02', customers: 1, cumulative: [0, 10, 10], perCustomer: [0, 10, 10] },
    ]);
    expect(res.json().scalars).toMatchObject({ customers: 2, period0: 15, period1: 20 });
  });

  it('refuses admins', async () => {
    expect((await post('path', { anchor: { event: 'signup' } }, 'admin')).statusCode).toBe(403);
  });

  it('refuses what the schema forbids, and names what only the model can check', async () => {
    const schema: [string, Record<string, unknown>][] = [
      ['path', { anchor: { event: 'signup' }, depth: 6 }],
      ['attribution', { goal: { event: 'purchase' }, touches: [{ event: 'ad_click' }], model: 'shapley' }],
      ['ltv', { start: { event: 'signup' }, value: { event: 'purchase' }, valueProperty: 'amount', periods: 0 }],
    ];
    for (const [model, payload] of schema) {
      const res = await post(model, payload);
      expect(res.statusCode, model).toBe(400);
      expect(res.json().error, model).toMatchObject({ code: 'REQUEST_INVALID' });
    }
    const model: [string, Record<string, unknown>, string][] = [
      ['interval', { initial: { event: 'a' }, target: { event: 'b' }, buckets: [60, 30] }, 'buckets[1]'],
      ['attribution', { goal: { event: 'purchase' }, touches: [{ event: 'purchase' }], model: 'linear' }, 'touches[0].event'],
    ];
    for (const [name, payload, field] of model) {
      const res = await post(name, payload);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error, field).toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field } });
    }
  });
});
