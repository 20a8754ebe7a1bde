import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../events/store.js';
import { ACTOR, analyticsOver, eventStoreWith, type TestEvent } from '../../test/support/event-store.js';
import type { RetentionResult } from './retention.js';

const ev = (customer: string, name: string, time: string): TestEvent => ({ customer, name, time });

// Sign-ups on 1–2 March 2026 (UTC) and logins after. "Today" is 4 March.
const EVENTS: TestEvent[] = [
  ev('c1', 'signup', '2026-03-01T10:00:00Z'),
  ev('c1', 'login', '2026-03-01T09:00:00Z'), // before the sign-up: not a day-0 return
  ev('c1', 'login', '2026-03-02T08:00:00Z'), // day 1
  ev('c1', 'login', '2026-03-04T10:00:00Z'), // day 3
  ev('c2', 'signup', '2026-03-01T12:00:00Z'),
  ev('c2', 'login', '2026-03-01T13:00:00Z'), // day 0
  ev('c2', 'login', '2026-03-01T14:00:00Z'), // day 0 again: counted once
  ev('c2', 'login', '2026-03-03T10:00:00Z'), // day 2
  ev('c3', 'signup', '2026-03-02T05:00:00Z'),
  ev('c3', 'signup', '2026-03-03T05:00:00Z'), // after the range: the cohort is the first in range
  ev('c3', 'login', '2026-03-02T06:00:00Z'), // day 0
  ev('c3', 'login', '2026-03-03T10:00:00Z'), // day 1
  ev('c4', 'signup', '2026-02-28T10:00:00Z'), // before the range: in no cohort
  ev('c4', 'login', '2026-03-01T10:00:00Z'),
  ev('c5', 'signup', '2026-03-02T23:30:00Z'), // UTC 2 March; 3 March in Shanghai (after the range)
  ev('c5', 'login', '2026-03-03T01:00:00Z'), // day 1 (UTC)
];

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith(EVENTS);
});
afterAll(() => store.close());

const base = { start: { event: 'signup' }, return: { event: 'login' }, from: '2026-03-01', to: '2026-03-02', periods: 3 };
const now = () => new Date('2026-03-04T12:00:00Z');
const run = async (params: object, timeZone = 'UTC') =>
  (await analyticsOver(store, { now, timeZone }).run('retention', { ...base, ...params }, ACTOR)).result as RetentionResult;

describe('retention', () => {
  it('counts day-N returns per cohort, null for days that have not started', async () => {
    const r = await run({});
    expect(r.cohorts).toEqual([
      // c1, c2: c2 on day 0, c1 on day 1, c2 on day 2, c1 on day 3.
      { cohort: '2026-03-01', size: 2, returned: [1, 1, 1, 1], rates: [0.5, 0.5, 0.5, 0.5] },
      // c3, c5: c3 on day 0, both on day 1, nobody on day 2; day 3 is 5 March, after today.
      { cohort: '2026-03-02', size: 2, returned: [1, 2, 0, null], rates: [0.5, 1, 0, null] },
    ]);
    // Pooled over the cohorts whose day N has started: day 3 only from the first cohort.
    expect(r.average).toEqual({ size: 4, returned: [2, 3, 1, 1], rates: [0.5, 0.75, 0.25, 0.5] });
  });

  it('puts customers in cohorts by the configured time zone', async () => {
    // In Shanghai c5 signs up on 3 March, after the range; c1's 09:00 UTC login (17:00) is still before its sign-up (18:00).
    const r = await run({}, 'Asia/Shanghai');
    expect(r.cohorts.map((c) => [c.cohort, c.size, c.returned])).toEqual([
      ['2026-03-01', 2, [1, 1, 1, 1]],
      ['2026-03-02', 1, [1, 1, 0, null]],
    ]);
  });

  it('counts week-N returns by weeks from Monday', async () => {
    const r = await run({ granularity: 'week', periods: 2, to: '2026-03-14' });
    // 1 March is a Sunday (week of 23 February): c1, c2. c3, c5 sign up in the week of 2 March.
    expect(r.cohorts).toEqual([
      { cohort: '2026-02-23', size: 2, returned: [1, 2, null], rates: [0.5, 1, null] },
      { cohort: '2026-03-02', size: 2, returned: [2, null, null], rates: [1, null, null] },
    ]);
  });

  it('refuses more periods than the granularity allows', async () => {
    const analytics = analyticsOver(store, { now });
    await expect(analytics.run('retention', { ...base, granularity: 'week', periods: 13 }, ACTOR)).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'periods', limit: 12 },
    });
    await expect(analytics.run('retention', { ...base, periods: 31 }, ACTOR)).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'periods' },
    });
    await expect(analytics.run('retention', { ...base, return: undefined }, ACTOR)).rejects.toMatchObject({ details: { field: 'return' } });
  });
});
