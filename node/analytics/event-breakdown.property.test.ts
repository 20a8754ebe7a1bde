/**
 * Property test: event analysis split by a breakdown whose rest is grouped as `$other`, without a
 * property (so without statistics), against a naive reading: every bucket, group and period counts
 * a customer once, even when their events fall in several values merged into `$other`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveEvent, type NaiveEvent } from '../../test/support/analytics-naive.js';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { EventResult } from './event.js';

const T0 = Date.parse('2026-02-27T00:00:00Z');
const HALF_HOUR = 1_800_000;
const range = { from: '2026-03-01', to: '2026-03-03' };

const eventsArb = fc
  .array(
    fc.record({
      customer: fc.constantFrom('c0', 'c1', 'c2'),
      name: fc.constantFrom('a', 'b'),
      slot: fc.integer({ min: 0, max: 7 * 48 }),
      plan: fc.option(fc.constantFrom('x', 'y', 'z'), { nil: undefined }),
    }),
    { maxLength: 40 },
  )
  .map((rows) =>
    rows.map(
      (r, i): NaiveEvent => ({
        id: `e${String(i).padStart(3, '0')}`,
        customer: r.customer,
        name: r.name,
        time: new Date(T0 + r.slot * HALF_HOUR).toISOString(),
        properties: r.plan === undefined ? {} : { plan: r.plan },
      }),
    ),
  );

/** The events of one group: the top plan keeps its value, the others are `$other`, no plan is null. */
function naiveGroups(events: NaiveEvent[], timeZone: string) {
  const planOf = (e: NaiveEvent) => (e.properties?.plan as string | undefined) ?? null;
  const current = (plan: string) =>
    naiveEvent(
      events.filter((e) => planOf(e) === plan),
      { event: 'a', ...range },
      timeZone,
    ).current.count;
  const [top] = ['x', 'y', 'z'].filter((v) => current(v) > 0).sort((a, b) => current(b) - current(a) || a.localeCompare(b));
  const label = (e: NaiveEvent) => (planOf(e) === null ? null : planOf(e) === top ? top : '$other');
  return [top, '$other', null].map((group) => ({
    group,
    ...naiveEvent(
      events.filter((e) => label(e) === group),
      { event: 'a', ...range },
      timeZone,
    ),
  }));
}

describe('event analysis with a breakdown and no property', () => {
  it('counts each customer once per bucket, group and period, $other included', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, fc.constantFrom('UTC', 'Asia/Shanghai'), async (events, timeZone) => {
        const store = await eventStoreWith(events);
        let r: EventResult;
        try {
          const analytics = analyticsOver(store, { timeZone, now: () => new Date('2026-04-01T00:00:00Z') });
          r = (await analytics.run('event', { event: 'a', ...range, breakdowns: ['plan'], limit: 1 }, ACTOR)).result as EventResult;
        } finally {
          store.close();
        }
        const naive = naiveGroups(events, timeZone);
        const series = naive.flatMap((g) => g.series.map((s) => ({ bucket: s.bucket, group: [g.group], count: s.count, customers: s.customers })));
        const sortKey = (s: { bucket: string; group: unknown[] }) => `${s.bucket} ${JSON.stringify(s.group)}`;
        expect(
          r.series
            .map((s) => ({ bucket: s.bucket, group: s.group, count: s.count, customers: s.customers }))
            .sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
        ).toEqual(series.sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
        const groups = naive
          .filter((g) => g.current.count > 0 || g.previous.count > 0)
          .map((g) => ({ group: [g.group], current: [g.current.count, g.current.customers], previous: [g.previous.count, g.previous.customers] }));
        expect(
          r.groups.map((g) => ({ group: g.group, current: [g.current.count, g.current.customers], previous: [g.previous?.count, g.previous?.customers] })),
        ).toEqual(expect.arrayContaining(groups));
        expect(r.groups).toHaveLength(groups.length);
        // Without a property there are no statistics anywhere.
        for (const m of [r.total.current, ...r.series, ...r.groups.map((g) => g.current)])
          expect([m.sum, m.avg, m.p50, m.p90, m.p99]).toEqual([null, null, null, null, null]);
      }),
      { numRuns: 30 },
    );
  });
});
