/**
 * Property tests: on random small event sets, each model answers what a naive in-memory reading
 * of its documented semantics answers (test/support/analytics-naive.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveDistribution, naiveEvent, naiveFunnel, naiveRetention, type NaiveEvent } from '../../test/support/analytics-naive.js';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { DistributionResult } from './distribution.js';
import type { EventResult } from './event.js';
import type { FunnelResult } from './funnel.js';
import type { RetentionResult } from './retention.js';

const T0 = Date.parse('2026-02-27T00:00:00Z');
const HALF_HOUR = 1_800_000;

// Half-hour times over a week make ties and day edges (in both zones) common.
const eventsArb = fc
  .array(
    fc.record({
      customer: fc.constantFrom('c0', 'c1', 'c2', 'c3'),
      name: fc.constantFrom('a', 'b', 'c'),
      slot: fc.integer({ min: 0, max: 7 * 48 }),
      amount: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      plan: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
    }),
    { maxLength: 30 },
  )
  .map((rows) =>
    rows.map(
      (r, i): NaiveEvent => ({
        id: `e${String(i).padStart(3, '0')}`,
        customer: r.customer,
        name: r.name,
        time: new Date(T0 + r.slot * HALF_HOUR).toISOString(),
        properties: { ...(r.amount === undefined ? {} : { amount: r.amount }), ...(r.plan === undefined ? {} : { plan: r.plan }) },
      }),
    ),
  );
const zoneArb = fc.constantFrom('UTC', 'Asia/Shanghai');
const range = { from: '2026-03-01', to: '2026-03-03' };
const RUNS = { numRuns: 25 };

/** Runs a model on a fresh store holding `events`. */
async function runModel<T>(events: NaiveEvent[], timeZone: string, model: string, params: object): Promise<T> {
  const store = await eventStoreWith(events);
  try {
    return (await analyticsOver(store, { timeZone, now: () => new Date('2026-04-01T00:00:00Z') }).run(model, params, ACTOR)).result as T;
  } finally {
    store.close();
  }
}

describe('the models agree with a naive reading of their semantics', () => {
  it('event analysis', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, zoneArb, async (events, timeZone) => {
        const r = await runModel<EventResult>(events, timeZone, 'event', { event: 'a', ...range, property: 'amount', breakdowns: ['plan'] });
        const naive = naiveEvent(events, { event: 'a', ...range }, timeZone);
        expect(r.total.current).toMatchObject(naive.current);
        expect(r.total.previous).toMatchObject(naive.previous);
        const groups = r.groups
          .filter((g) => g.current.count > 0)
          .map((g) => ({ plan: g.group[0], count: g.current.count, customers: g.current.customers, sum: g.current.sum }));
        expect(groups).toEqual(expect.arrayContaining(naive.groups));
        expect(groups).toHaveLength(naive.groups.length);
        // Series without the split: summed over the groups of each bucket.
        const unsplit = await runModel<EventResult>(events, timeZone, 'event', { event: 'a', ...range, property: 'amount' });
        expect(unsplit.series.map((s) => ({ bucket: s.bucket, count: s.count, customers: s.customers, sum: s.sum }))).toEqual(naive.series);
      }),
      RUNS,
    );
  });

  it('funnel, loose and strict', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, zoneArb, fc.boolean(), fc.integer({ min: 1, max: 48 }), async (events, timeZone, strict, halfHours) => {
        const steps = ['a', 'b', 'c'];
        const windowSeconds = halfHours * 1800;
        const r = await runModel<FunnelResult>(events, timeZone, 'funnel', {
          steps: steps.map((event) => ({ event })),
          ...range,
          windowSeconds,
          order: strict ? 'strict' : 'loose',
        });
        expect(r.steps.map((s) => s.customers)).toEqual(naiveFunnel(events, { steps, ...range, windowSeconds, strict }, timeZone));
      }),
      RUNS,
    );
  });

  it('retention by day', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, zoneArb, async (events, timeZone) => {
        const r = await runModel<RetentionResult>(events, timeZone, 'retention', { start: { event: 'a' }, return: { event: 'b' }, ...range, periods: 3 });
        expect(r.cohorts.map((c) => ({ cohort: c.cohort, size: c.size, returned: c.returned }))).toEqual(
          naiveRetention(events, { start: 'a', return: 'b', ...range, periods: 3 }, timeZone),
        );
      }),
      RUNS,
    );
  });

  it('distribution by count', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, zoneArb, async (events, timeZone) => {
        const bounds = [2, 4];
        const r = await runModel<DistributionResult>(events, timeZone, 'distribution', { event: 'a', ...range, bounds });
        const naive = naiveDistribution(events, { event: 'a', ...range, bounds }, timeZone);
        // Every given bucket is shown, even empty; the one below the first bound only when someone is in it.
        expect(r.buckets.map((b) => b.customers)).toEqual(naive[0] > 0 ? naive : naive.slice(1));
      }),
      RUNS,
    );
  });
});
