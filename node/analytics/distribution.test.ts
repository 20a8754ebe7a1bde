import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../events/store.js';
import { ACTOR, analyticsOver, eventStoreWith, type TestEvent } from '../../test/support/event-store.js';
import { autoBounds, type DistributionResult } from './distribution.js';

const buy = (customer: string, day: string, amount?: unknown): TestEvent => ({
  customer,
  name: 'purchase',
  time: `2026-03-0${day}T10:00:00Z`,
  properties: amount === undefined ? {} : { amount },
});

const EVENTS: TestEvent[] = [
  buy('c1', '1', 10),
  buy('c1', '1', 20),
  buy('c1', '2', 'x'), // c1: 3 purchases, sum 30
  buy('c2', '2', 5), // c2: 1 purchase, sum 5
  ...Array.from({ length: 5 }, () => buy('c3', '1', 1)), // c3: 5 purchases, sum 5
  buy('c4', '2'), // c4: 1 purchase without an amount, sum 0
  buy('c5', '5', 100), // after the range
];

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith(EVENTS);
});
afterAll(() => store.close());

const base = { event: 'purchase', from: '2026-03-01', to: '2026-03-02' };
const run = async (params: object) => (await analyticsOver(store).run('distribution', { ...base, ...params }, ACTOR)).result as DistributionResult;
const shape = (r: DistributionResult) => r.buckets.map((b) => [b.from, b.to, b.customers]);

describe('distribution', () => {
  it('buckets customers by how many times they did the event, one bucket per count when few', async () => {
    const r = await run({});
    // Counts: c1 3, c2 1, c3 5, c4 1.
    expect(shape(r)).toEqual([
      [1, 2, 2],
      [2, 3, 0],
      [3, 4, 1],
      [4, 5, 0],
      [5, null, 1],
    ]);
    expect(r.customers).toBe(4);
    expect(r.buckets[0].share).toBe(0.5);
    expect(r.stats).toEqual({ min: 1, max: 5, avg: 2.5, median: 2 });
  });

  it('buckets by the sum of a property, with given bounds and a bucket below the first when needed', async () => {
    // Sums: c1 30, c2 5, c3 5, c4 0 (no numeric amount).
    expect(shape(await run({ measure: 'sum', property: 'amount', bounds: [0, 10, 20] }))).toEqual([
      [0, 10, 3],
      [10, 20, 0],
      [20, null, 1],
    ]);
    expect(shape(await run({ measure: 'sum', property: 'amount', bounds: [5, 10] }))).toEqual([
      [null, 5, 1],
      [5, 10, 2],
      [10, null, 1],
    ]);
    // Automatic: 0 … 30 in steps of 5 (a tenth of the span is 3; the next nice width is 5).
    const auto = await run({ measure: 'sum', property: 'amount' });
    expect(auto.buckets.map((b) => b.from)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(auto.buckets.map((b) => b.customers)).toEqual([1, 2, 0, 0, 0, 0, 1]);
  });

  it('chooses nice automatic bounds', () => {
    expect(autoBounds(0, 1000, true)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(autoBounds(0.05, 0.95, false)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(autoBounds(7, 7, false)).toEqual([7]);
    expect(autoBounds(3, 40, true)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
  });

  it('returns no buckets when nobody did the event', async () => {
    const r = await run({ from: '2026-01-01', to: '2026-01-02' });
    expect(r).toMatchObject({ customers: 0, buckets: [], stats: { min: null, median: null } });
  });

  it('names inconsistent parameters', async () => {
    const analytics = analyticsOver(store);
    const bad = (params: object) => analytics.run('distribution', { ...base, ...params }, ACTOR);
    await expect(bad({ measure: 'sum' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'property' } });
    await expect(bad({ bounds: [1, 5, 5] })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'bounds[2]' } });
    await expect(bad({ bounds: Array.from({ length: 51 }, (_, i) => i) })).rejects.toMatchObject({ details: { field: 'bounds' } });
  });
});
