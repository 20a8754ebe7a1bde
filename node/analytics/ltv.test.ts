import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeWith } from '../../test/support/analytics-b-events.js';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventStore } from '../events/store.js';
import { type LtvParams, ltv } from './ltv.js';

// The range ends on 3 January at 20:00 in Shanghai (UTC+8).
const shanghai = { events: EVENTS_TABLE, timeZone: 'Asia/Shanghai', end: '2026-01-03T12:00:00Z' };
const params: LtvParams = { start: 'signup', valueEvent: 'purchase', valueProperty: 'amount', unit: 'day', periods: 3 };

let store: EventStore;
beforeAll(async () => {
  store = await storeWith([
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
    { customer: 'c3', name: 'signup', time: '2026-01-01T01:00:00Z' },
    { customer: 'c3', name: 'purchase', time: '2026-01-01T02:00:00Z', properties: { amount: 20 } },
    { customer: 'c3', name: 'purchase', time: '2026-01-02T02:00:00Z' },
    { customer: 'c3', name: 'signup', time: '2026-01-02T03:00:00Z' },
  ]);
});
afterAll(() => store.close());

describe('LTV', () => {
  it('puts customers in cohorts by their first start event, in the time zone, and accumulates value per period', async () => {
    expect(await ltv(store, shanghai, params)).toEqual({
      unit: 'day',
      cohorts: [
        // c1 and c3: 20 on day 0, c1's 10 on day 1, nothing on day 2.
        { cohort: '2026-01-01', customers: 2, cumulative: [20, 30, 30], perCustomer: [10, 15, 15] },
        // c2: 5 on day 0; day 2 (4 Jan) has not begun by the end of the range.
        { cohort: '2026-01-02', customers: 1, cumulative: [5, 5, null], perCustomer: [5, 5, null] },
      ],
      // Day 2 is reached by the first cohort only.
      all: { customers: 3, perCustomer: [25 / 3, 35 / 3, 15] },
    });
  });

  it('buckets by UTC days when the node keeps UTC', async () => {
    // All three sign up on 1 Jan UTC: 10 + 5 + 20 on day 0, c2's 7 on 3 Jan is day 2.
    const result = await ltv(store, { ...shanghai, timeZone: 'UTC' }, params);
    expect(result.cohorts).toEqual([{ cohort: '2026-01-01', customers: 3, cumulative: [35, 35, 42], perCustomer: [35 / 3, 35 / 3, 14] }]);
  });

  it('starts weeks on Monday and counts months by the calendar', async () => {
    // 1 Jan 2026 is a Thursday: its week starts on Monday 29 December.
    const weeks = await ltv(store, { ...shanghai, timeZone: 'UTC' }, { ...params, unit: 'week', periods: 1 });
    expect(weeks.cohorts.map((c) => [c.cohort, c.cumulative])).toEqual([['2025-12-29', [42]]]);
    const months = await ltv(store, { ...shanghai, timeZone: 'UTC' }, { ...params, unit: 'month', periods: 2 });
    expect(months.cohorts.map((c) => [c.cohort, c.cumulative])).toEqual([['2026-01-01', [42, null]]]);
  });

  it('names the parameter that is out of range', async () => {
    await expect(ltv(store, shanghai, { ...params, periods: 0 })).rejects.toMatchObject({ details: { field: 'periods' } });
    await expect(ltv(store, shanghai, { ...params, unit: 'year' as never })).rejects.toMatchObject({ details: { field: 'unit' } });
    await expect(ltv(store, shanghai, { ...params, valueProperty: 'a.b' })).rejects.toMatchObject({ details: { field: 'valueProperty' } });
  });
});
