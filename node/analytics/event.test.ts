import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../events/store.js';
import type { EventResult } from './event.js';
import { ACTOR, analyticsOver, eventStoreWith, type TestEvent } from '../../test/support/event-store.js';

// Purchases around 1–2 March 2026. Comments give each event's day in UTC and in Asia/Shanghai (UTC+8).
const EVENTS: TestEvent[] = [
  { customer: 'c1', name: 'purchase', time: '2026-02-28T10:00:00Z', properties: { amount: 5, plan: 'gold' } }, // UTC 02-28, SH 02-28
  { customer: 'c5', name: 'purchase', time: '2026-02-28T17:00:00Z', properties: { amount: 1, plan: 'silver' } }, // UTC 02-28, SH 03-01
  { customer: 'c1', name: 'purchase', time: '2026-03-01T10:00:00Z', properties: { amount: 10, plan: 'gold' } }, // 03-01 both
  { customer: 'c1', name: 'purchase', time: '2026-03-01T12:00:00Z', properties: { amount: 20, plan: 'gold' } }, // 03-01 both
  { customer: 'c2', name: 'purchase', time: '2026-03-01T23:30:00Z', properties: { amount: 30, plan: 'basic' } }, // UTC 03-01, SH 03-02
  { customer: 'c2', name: 'purchase', time: '2026-03-02T09:00:00Z', properties: { amount: 40 } }, // 03-02 both, no plan
  { customer: 'c3', name: 'purchase', time: '2026-03-02T10:00:00Z', properties: { amount: 'x', plan: 'gold' } }, // 03-02 both, amount not a number
  { customer: 'c4', name: 'purchase', time: '2026-03-03T01:00:00Z', properties: { amount: 100 } }, // 03-03 both: after the range
  { customer: 'c1', name: 'login', time: '2026-03-01T11:00:00Z' }, // another event
];

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith(EVENTS);
});
afterAll(() => store.close());

const base = { event: 'purchase', from: '2026-03-01', to: '2026-03-02' };
const run = async (params: object, timeZone = 'UTC') =>
  (await analyticsOver(store, { timeZone }).run('event', { ...base, ...params }, ACTOR)).result as EventResult;

describe('event analysis', () => {
  it('counts events, customers and amount statistics per day, with the previous period (UTC)', async () => {
    const r = await run({ property: 'amount' });
    expect(r.buckets).toEqual(['2026-03-01', '2026-03-02']);
    expect(r.previousRange).toEqual({ from: '2026-02-27', to: '2026-02-28' });
    // 03-01: c1 10, c1 20, c2 30. Percentiles interpolate: p90 at position 1.8 → 20 + 0.8·10.
    expect(r.series[0]).toEqual({ bucket: '2026-03-01', group: [], count: 3, customers: 2, sum: 60, avg: 20, p50: 20, p90: 28, p99: expect.closeTo(29.8, 9) });
    // 03-02: c2 40 and c3's non-numeric amount (counted, but not in the statistics).
    expect(r.series[1]).toEqual({ bucket: '2026-03-02', group: [], count: 2, customers: 2, sum: 40, avg: 40, p50: 40, p90: 40, p99: 40 });
    // The range: 5 purchases by c1, c2, c3; amounts 10, 20, 30, 40.
    expect(r.total.current).toEqual({ count: 5, customers: 3, sum: 100, avg: 25, p50: 25, p90: 37, p99: expect.closeTo(39.7, 9) });
    // The previous two days: c1 5 and c5 1.
    expect(r.total.previous).toMatchObject({ count: 2, customers: 2, sum: 6, avg: 3 });
    expect(r.total.change.count).toBe(150);
    expect(r.total.change.customers).toBe(50);
    expect(r.total.change.sum).toBeCloseTo(((100 - 6) / 6) * 100, 9);
    expect(r.groups).toEqual([]);
  });

  it('counts days in the configured time zone: 23:30 UTC is the next day in Asia/Shanghai', async () => {
    const r = await run({ property: 'amount' }, 'Asia/Shanghai');
    // SH 03-01: c5 1 (17:00 UTC the day before), c1 10, c1 20. SH 03-02: c2 30 (23:30 UTC), c2 40, c3.
    expect(r.series.map((s) => [s.bucket, s.count, s.customers, s.sum])).toEqual([
      ['2026-03-01', 3, 2, 31],
      ['2026-03-02', 3, 2, 70],
    ]);
    // The previous period in Shanghai holds only c1's 5.
    expect(r.total.previous).toMatchObject({ count: 1, customers: 1, sum: 5 });
    expect(r.timeZone).toBe('Asia/Shanghai');
  });

  it('breaks down by a property, keeping the top values and grouping the rest as $other', async () => {
    const r = await run({ breakdowns: ['plan'], limit: 1 });
    // Current: gold ×3 (c1, c1, c3) is the top value; basic (c2) is other; c2's purchase without plan is null.
    expect(r.groups.map((g) => [g.group, g.current.count, g.current.customers, g.previous?.count, g.change.count])).toEqual([
      [['gold'], 3, 2, 1, 200],
      [['$other'], 1, 1, 1, 0], // previous other: c5's silver
      [[null], 1, 1, 0, null],
    ]);
    expect(r.series.map((s) => [s.bucket, s.group, s.count])).toEqual([
      ['2026-03-01', ['gold'], 2],
      ['2026-03-01', ['$other'], 1],
      ['2026-03-02', ['gold'], 1], // ties in a bucket: by value, null last
      ['2026-03-02', [null], 1],
    ]);
    // The totals ignore the breakdown.
    expect(r.total.current.count).toBe(5);
  });

  it('buckets by week (from Monday) and month', async () => {
    // 2026-03-01 is a Sunday: its week starts on Monday 23 February.
    const week = await run({ granularity: 'week', compare: false });
    expect(week.series.map((s) => [s.bucket, s.count])).toEqual([
      ['2026-02-23', 3],
      ['2026-03-02', 2],
    ]);
    expect(week.previousRange).toBeNull();
    expect(week.total.previous).toBeNull();
    const month = await run({ granularity: 'month' });
    expect(month.series.map((s) => [s.bucket, s.count])).toEqual([['2026-03-01', 5]]);
  });

  it('applies property filters', async () => {
    const count = async (filters: object[]) => (await run({ filters })).total.current.count;
    expect(await count([{ property: 'amount', op: 'gte', value: 20 }])).toBe(3); // 20, 30, 40
    expect(await count([{ property: 'plan', op: 'in', value: ['gold', 'basic'] }])).toBe(4);
    expect(await count([{ property: 'plan', op: 'neq', value: 'gold' }])).toBe(2); // basic, and the one without plan
    expect(await count([{ property: 'plan', op: 'exists' }])).toBe(4);
    expect(await count([{ property: 'plan', op: 'not_exists' }])).toBe(1);
    expect(await count([{ property: 'plan', op: 'contains', value: 'old' }])).toBe(3);
    expect(await count([{ property: 'amount', op: 'eq', value: 30 }])).toBe(1);
    expect(
      await count([
        { property: 'amount', op: 'lt', value: 30 },
        { property: 'plan', op: 'eq', value: 'gold' },
      ]),
    ).toBe(2);
  });

  it('restricts to the customers of a segment', async () => {
    const analytics = analyticsOver(store, { segmentCustomers: async (name) => (name === 'only-c1' ? ['c1'] : []) });
    const r = (await analytics.run('event', { ...base, segment: 'only-c1' }, ACTOR)).result as EventResult;
    expect(r.total.current).toMatchObject({ count: 2, customers: 1 });
  });

  it('names the field of bad parameters', async () => {
    const analytics = analyticsOver(store, { maxRangeDays: 31 });
    const bad = (params: object) => analytics.run('event', { ...base, ...params }, ACTOR);
    await expect(bad({ from: '2026-03-05' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'to' } });
    await expect(bad({ from: '2026-01-01' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'to', limit: 31 } });
    await expect(bad({ from: '2026-02-30' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'from' } });
    await expect(bad({ breakdowns: ['a', 'b', 'c'] })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'breakdowns' } });
    await expect(bad({ property: 'amount"; DROP TABLE events; --' })).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'property' },
    });
    await expect(bad({ filters: [{ property: 'amount', op: 'gt', value: true }] })).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'filters[0].value' },
    });
    await expect(bad({ filters: [{ property: 'plan', op: 'exists', value: 'x' }] })).rejects.toMatchObject({ details: { field: 'filters[0].value' } });
    await expect(bad({ colour: 'red' })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'colour' } });
    await expect(analytics.run('nope', base, ACTOR)).rejects.toMatchObject({ code: 'ANALYTICS_MODEL_UNKNOWN' });
  });
});
