import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { EventStore } from '../events/store.js';
import type { IntervalResult } from './interval.js';

const range = { from: '2026-01-10', to: '2026-01-10' };
const interval = async (store: EventStore, params: Record<string, unknown>) =>
  (await analyticsOver(store).run('interval', { ...range, ...params }, ACTOR)).result as IntervalResult;
const A = { event: 'open' };
const B = { event: 'pay' };
const at = (hms: string) => `2026-01-10T${hms}Z`;

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith([
    // c1: A, B 60 s later; then two As before one B: each pairs with that B (180 s and 120 s).
    { customer: 'c1', name: 'open', time: at('00:00:00') },
    { customer: 'c1', name: 'pay', time: at('00:01:00') },
    { customer: 'c1', name: 'open', time: at('00:02:00') },
    { customer: 'c1', name: 'open', time: at('00:03:00') },
    { customer: 'c1', name: 'pay', time: at('00:05:00') },
    // c2: its only B is before its A, so no pair.
    { customer: 'c2', name: 'pay', time: at('00:00:00') },
    { customer: 'c2', name: 'open', time: at('00:01:00') },
    // c3: B logged at the same instant as A (listed first, so it sorts first by id): 0 s.
    { customer: 'c3', name: 'pay', time: at('01:00:00') },
    { customer: 'c3', name: 'open', time: at('01:00:00') },
    // c4: two hours.
    { customer: 'c4', name: 'open', time: at('00:00:00') },
    { customer: 'c4', name: 'pay', time: at('02:00:00') },
    // c5: the same event as A and B: 0 s between the two at 10:00, 600 s to the third.
    { customer: 'c5', name: 'buy', time: at('10:00:00') },
    { customer: 'c5', name: 'buy', time: at('10:00:00') },
    { customer: 'c5', name: 'buy', time: at('10:10:00') },
    // On the 20th: c6's A is on the day, its B the next day (1200 s); c7's A is the day before.
    { customer: 'c6', name: 'open', time: '2026-01-20T23:50:00Z', properties: { channel: 'app' } },
    { customer: 'c6', name: 'pay', time: '2026-01-21T00:10:00Z' },
    { customer: 'c7', name: 'open', time: '2026-01-19T23:00:00Z', properties: { channel: 'app' } },
    { customer: 'c7', name: 'pay', time: '2026-01-20T00:30:00Z' },
  ]);
});
afterAll(() => store.close());

describe('interval analysis', () => {
  it('pairs each A with the first B at or after it, per customer, with interpolated percentiles', async () => {
    // Pairs: 0 (c3), 60, 120, 180 (c1), 7200 (c4); mean 7560 / 5; p90 at rank 3.6 = 180 + 0.6 × 7020.
    expect(await interval(store, { initial: A, target: B })).toMatchObject({
      pairs: 5,
      customers: 3,
      mean: 1512,
      p25: 60,
      median: 120,
      p75: 180,
      p90: expect.closeTo(4392, 9),
    });
  });

  it('picks histogram bounds from the ladder between the shortest and the longest pair', async () => {
    const { histogram } = await interval(store, { initial: A, target: B });
    // Ladder bounds above 0 s and up to 7200 s: 1, 10, 60, 300, 900, 1800, 3600.
    expect(histogram).toEqual([
      { from: 0, to: 1, pairs: 1 },
      { from: 1, to: 10, pairs: 0 },
      { from: 10, to: 60, pairs: 0 },
      { from: 60, to: 300, pairs: 3 },
      { from: 300, to: 900, pairs: 0 },
      { from: 900, to: 1800, pairs: 0 },
      { from: 1800, to: 3600, pairs: 0 },
      { from: 3600, to: null, pairs: 1 },
    ]);
  });

  it('uses given bucket bounds, lower bound inclusive', async () => {
    const { histogram } = await interval(store, { initial: A, target: B, buckets: [60, 1000] });
    expect(histogram).toEqual([
      { from: 0, to: 60, pairs: 1 },
      { from: 60, to: 1000, pairs: 3 },
      { from: 1000, to: null, pairs: 1 },
    ]);
  });

  it('drops an A whose next B is further than the maximum gap', async () => {
    // c4's 7200 s pair goes; 0, 60, 120, 180 remain.
    expect(await interval(store, { initial: A, target: B, maxGapSeconds: 3600 })).toMatchObject({ pairs: 4, customers: 2, mean: 90, median: 90 });
  });

  it('pairs each occurrence with the next one when A and B are the same event', async () => {
    expect(await interval(store, { initial: { event: 'buy' }, target: { event: 'buy' } })).toMatchObject({ pairs: 2, customers: 1, mean: 300, median: 300 });
  });

  it('reports no pair, and an empty histogram, when no B follows an A', async () => {
    expect(await interval(store, { initial: B, target: { event: 'buy' } })).toEqual({
      pairs: 0,
      customers: 0,
      mean: null,
      p25: null,
      median: null,
      p75: null,
      p90: null,
      histogram: [],
    });
  });

  it('takes the As of the range, their Bs also after it, and applies the filters of each event', async () => {
    const day20 = { from: '2026-01-20', to: '2026-01-20' };
    expect(await interval(store, { ...day20, initial: A, target: B })).toMatchObject({ pairs: 1, customers: 1, mean: 1200 });
    const web = { event: 'open', filters: [{ property: 'channel', op: 'eq', value: 'web' }] };
    expect(await interval(store, { ...day20, initial: web, target: B })).toMatchObject({ pairs: 0 });
  });

  it('names the parameter that is out of order or range', async () => {
    await expect(interval(store, { initial: A, target: B, buckets: [10, 10] })).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'buckets[1]' },
    });
    await expect(interval(store, { initial: A, target: B, from: '2026-01-11' })).rejects.toMatchObject({ details: { field: 'to' } });
    await expect(interval(store, { initial: A, target: B, maxGapSeconds: -1 })).rejects.toMatchObject({ details: { field: 'maxGapSeconds' } });
    await expect(interval(store, { initial: A, target: B, buckets: [0] })).rejects.toMatchObject({ details: { field: 'buckets.0' } });
  });

  it("is restricted to a segment's members", async () => {
    const onlyC1 = analyticsOver(store, { segmentCustomers: async () => ['c1'] });
    const r = (await onlyC1.run('interval', { ...range, initial: A, target: B, segment: 'vip' }, ACTOR)).result as IntervalResult;
    expect(r).toMatchObject({ pairs: 3, customers: 1, median: 120 });
  });
});
