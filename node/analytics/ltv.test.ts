import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { EventStore } from '../events/store.js';
import type { LtvResult } from './ltv.js';

// Now is 3 January at 20:00 in Shanghai (UTC+8).
const NOW = '2026-01-03T12:00:00Z';
const at = (timeZone: string, now: string) => ({ timeZone, now: () => new Date(now) });
const shanghai = at('Asia/Shanghai', NOW);
const utc = at('UTC', NOW);
const params = {
  start: { event: 'signup' },
  value: { event: 'purchase' },
  valueProperty: 'amount',
  granularity: 'day',
  periods: 3,
  from: '2025-12-01',
  to: '2026-01-03',
};
const ltv = async (zone: ReturnType<typeof at>, changes: Record<string, unknown> = {}) =>
  (await analyticsOver(store, zone).run('ltv', { ...params, ...changes }, ACTOR)).result as LtvResult;

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith([
    // c1: signs up at 23:30 on 1 Jan in Shanghai; buys 10 an hour later, on 2 Jan there (period 1).
    // The 99 before its sign-up does not count.
    { customer: 'c1', name: 'purchase', time: '2026-01-01T15:00:00Z', properties: { amount: 99 } },
    { customer: 'c1', name: 'signup', time: '2026-01-01T15:30:00Z' },
    { customer: 'c1', name: 'purchase', time: '2026-01-01T16:30:00Z', properties: { amount: 10 } },
    // c2: signs up at 00:30 on 2 Jan in Shanghai (still 1 Jan in UTC), buys 5 then, and 7 on 4 Jan.
    { customer: 'c2', name: 'signup', time: '2026-01-01T16:30:00Z' },
    { customer: 'c2', name: 'purchase', time: '2026-01-01T16:30:00Z', properties: { amount: 5 } },
    { customer: 'c2', name: 'purchase', time: '2026-01-03T17:00:00Z', properties: { amount: 7 } },
    // c3: signs up on 1 Jan, buys 20 the same day and once without an amount the next day.
    { customer: 'c3', name: 'signup', time: '2026-01-01T01:00:00Z', properties: { channel: 'app' } },
    { customer: 'c3', name: 'purchase', time: '2026-01-01T02:00:00Z', properties: { amount: 20 } },
    { customer: 'c3', name: 'purchase', time: '2026-01-02T02:00:00Z' },
    { customer: 'c3', name: 'signup', time: '2026-01-02T03:00:00Z' },
  ]);
});
afterAll(() => store.close());

describe('LTV', () => {
  it('puts customers in cohorts by their first start event, in the time zone, and accumulates value per period', async () => {
    expect(await ltv(shanghai)).toEqual({
      timeZone: 'Asia/Shanghai',
      granularity: 'day',
      cohorts: [
        // c1 and c3: 20 on day 0, c1's 10 on day 1, nothing on day 2.
        { cohort: '2026-01-01', customers: 2, cumulative: [20, 30, 30], perCustomer: [10, 15, 15] },
        // c2: 5 on day 0; its day 2 (4 Jan) has not begun yet.
        { cohort: '2026-01-02', customers: 1, cumulative: [5, 5, null], perCustomer: [5, 5, null] },
      ],
      // Day 2 is reached by the first cohort only.
      all: { customers: 3, perCustomer: [25 / 3, 35 / 3, 15] },
    });
  });

  it('buckets by UTC days when the node keeps UTC', async () => {
    // All three sign up on 1 Jan UTC: 10 + 5 + 20 on day 0, c2's 7 on 3 Jan is day 2.
    const result = await ltv(utc);
    expect(result.cohorts).toEqual([{ cohort: '2026-01-01', customers: 3, cumulative: [35, 35, 42], perCustomer: [35 / 3, 35 / 3, 14] }]);
  });

  it('starts weeks on Monday and counts months by the calendar', async () => {
    // 1 Jan 2026 is a Thursday: its week starts on Monday 29 December.
    const weeks = await ltv(utc, { granularity: 'week', periods: 1 });
    expect(weeks.cohorts.map((c) => [c.cohort, c.cumulative])).toEqual([['2025-12-29', [42]]]);
    const months = await ltv(utc, { granularity: 'month', periods: 2 });
    expect(months.cohorts.map((c) => [c.cohort, c.cumulative])).toEqual([['2026-01-01', [42, null]]]);
  });

  it('takes cohorts from the range and the start filters, and counts value after the range', async () => {
    // From 2 January (Shanghai): c2, and c3, whose first sign-up in the range is on 2 January (its
    // purchases are before it). c2's 7 on 4 January counts once that day is reached.
    const later = await ltv(shanghai, { from: '2026-01-02', to: '2026-01-02' });
    expect(later.cohorts).toEqual([{ cohort: '2026-01-02', customers: 2, cumulative: [5, 5, null], perCustomer: [2.5, 2.5, null] }]);
    const reached = await ltv(at('Asia/Shanghai', '2026-01-10T00:00:00Z'), { from: '2026-01-02', to: '2026-01-02' });
    expect(reached.cohorts[0].cumulative).toEqual([5, 5, 12]);
    const fromApp = await ltv(shanghai, { start: { event: 'signup', filters: [{ property: 'channel', op: 'eq', value: 'app' }] } });
    expect(fromApp.cohorts.map((c) => [c.cohort, c.customers])).toEqual([['2026-01-01', 1]]);
  });

  it('names the parameter that is invalid', async () => {
    await expect(ltv(shanghai, { valueProperty: 'a.b' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'valueProperty' } });
    await expect(ltv(shanghai, { granularity: 'year' })).rejects.toMatchObject({ details: { field: 'granularity' } });
    await expect(ltv(shanghai, { periods: 0 })).rejects.toMatchObject({ details: { field: 'periods' } });
    await expect(ltv(shanghai, { value: undefined })).rejects.toMatchObject({ details: { field: 'value' } });
  });

  it("is restricted to a segment's members", async () => {
    const onlyC2 = analyticsOver(store, { ...shanghai, segmentCustomers: async () => ['c2'] });
    const r = (await onlyC2.run('ltv', { ...params, segment: 'vip' }, ACTOR)).result as LtvResult;
    expect(r.cohorts).toEqual([{ cohort: '2026-01-02', customers: 1, cumulative: [5, 5, null], perCustomer: [5, 5, null] }]);
  });
});
