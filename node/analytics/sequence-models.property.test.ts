/**
 * Interval, path, attribution and LTV against naive in-memory versions (test/support/
 * analytics-naive-b.ts) on random small event tables: few customers, few names and coarse times,
 * so ties, same-instant events, sessions and time-zone day boundaries come up often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTOR, analyticsOver, eventStoreWith, type TestEvent } from '../../test/support/event-store.js';
import { naiveAttribution, naiveEvents, naiveInterval, naiveLtv, naivePath } from '../../test/support/analytics-naive-b.js';
import { ATTRIBUTION_MODELS, type AttributionResult } from './attribution.js';
import type { IntervalResult } from './interval.js';
import type { LtvResult } from './ltv.js';
import type { PathResult } from './path.js';

const BASE = Date.parse('2026-01-01T00:00:00Z');
/** A range around every generated event, in any of the zones below. */
const RANGE = { from: '2025-12-30', to: '2026-01-09' };

const eventArb: fc.Arbitrary<TestEvent> = fc.record({
  customer: fc.constantFrom('c1', 'c2', 'c3'),
  name: fc.constantFrom('a', 'b', 'c', 'd'),
  // Ten-minute steps over a week: same instants, pauses over 30 minutes and day changes all occur.
  time: fc.integer({ min: 0, max: 1_000 }).map((step) => new Date(BASE + step * 600_000).toISOString()),
  properties: fc.record({ amount: fc.integer({ min: 0, max: 100 }), campaign: fc.constantFrom('x', 'y') }, { requiredKeys: [] }),
});
const eventsArb = fc.array(eventArb, { maxLength: 40 });

/** Runs a model over a fresh store holding `events`, the date range covering them all. */
async function runOn<T>(
  model: string,
  events: readonly TestEvent[],
  params: Record<string, unknown>,
  timeZone = 'UTC',
  now = '2026-06-01T00:00:00Z',
): Promise<T> {
  const store = await eventStoreWith(events);
  try {
    return (await analyticsOver(store, { timeZone, now: () => new Date(now) }).run(model, { ...RANGE, ...params }, ACTOR)).result as T;
  } finally {
    store.close();
  }
}

const close = (actual: number | null, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 6);
};

describe('the sequence models against naive versions', () => {
  it('interval: pairs, customers, mean, percentiles and a given histogram', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom('a', 'b'),
        fc.constantFrom('a', 'b', 'c'),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        async (events, from, to, maxGap) => {
          const buckets = [600, 3_600, 86_400];
          const actual = await runOn<IntervalResult>('interval', events, {
            initial: { event: from },
            target: { event: to },
            maxGapSeconds: maxGap,
            buckets,
          });
          const expected = naiveInterval(naiveEvents(events), from, to, maxGap);
          expect([actual.pairs, actual.customers]).toEqual([expected.pairs, expected.customers]);
          for (const k of ['mean', 'p25', 'median', 'p75', 'p90'] as const) close(actual[k], expected[k]);
          expect(actual.histogram.map((b) => b.pairs)).toEqual(expected.histogram(buckets));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('path: nodes and links in both directions, with and without sessions', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom('after', 'before') as fc.Arbitrary<'after' | 'before'>,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(1_800, null),
        async (events, direction, depth, top, gap) => {
          const actual = await runOn<PathResult>('path', events, { anchor: { event: 'a' }, direction, depth, top, sessionGapSeconds: gap });
          const expected = naivePath(naiveEvents(events), 'a', direction, depth, top, gap);
          expect(new Map(actual.nodes.map((n) => [n.id, n.customers]))).toEqual(expected.nodes);
          expect(new Map(actual.links.map((l) => [`${l.source} ${l.target}`, l.customers]))).toEqual(expected.links);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('attribution: every model credits each touched goal exactly once in all, like the naive version', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom(...ATTRIBUTION_MODELS),
        fc.integer({ min: 600, max: 200_000 }),
        fc.integer({ min: 60, max: 100_000 }),
        fc.boolean(),
        async (events, model, windowSeconds, halfLifeSeconds, byCampaign) => {
          const params = { valueProperty: 'amount', model, windowSeconds, halfLifeSeconds, byProperty: byCampaign ? 'campaign' : undefined };
          const touches = [{ event: 'b' }, { event: 'c' }];
          const actual = await runOn<AttributionResult>('attribution', events, { ...params, goal: { event: 'a' }, touches });
          const expected = naiveAttribution(naiveEvents(events), { ...params, goal: 'a', touches: ['b', 'c'] });
          // Each goal's shares sum to 1 (naive, per goal); so the credited conversions and the
          // direct goals add up to the goals, in the SQL too.
          for (const sum of expected.perGoal) expect(sum).toBeCloseTo(1, 9);
          const credited = actual.credits.reduce((s, c) => s + c.conversions, 0);
          expect(credited + actual.direct.goals).toBeCloseTo(actual.goals, 9);
          expect(actual.credits.reduce((s, c) => s + c.value, 0) + actual.direct.value).toBeCloseTo(actual.value, 6);
          expect([actual.goals, actual.direct.goals]).toEqual([expected.goals, expected.direct.goals]);
          close(actual.value, expected.value);
          close(actual.direct.value, expected.direct.value);
          expect(actual.credits.map((c) => c.key).sort()).toEqual([...expected.credits.keys()].sort());
          for (const c of actual.credits) {
            close(c.conversions, expected.credits.get(c.key)!.conversions);
            close(c.value, expected.credits.get(c.key)!.value);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('LTV: cohorts, sizes and cumulative values in a time zone', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom('day', 'week', 'month') as fc.Arbitrary<'day' | 'week' | 'month'>,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('UTC', 'Asia/Shanghai', 'America/New_York'),
        fc.constantFrom('a', 'b'),
        async (events, unit, periods, timeZone, valueEvent) => {
          const now = '2026-01-05T12:00:00Z';
          const params = { valueProperty: 'amount', periods };
          const actual = await runOn<LtvResult>(
            'ltv',
            events,
            { ...params, start: { event: 'a' }, value: { event: valueEvent }, granularity: unit },
            timeZone,
            now,
          );
          const expected = naiveLtv(naiveEvents(events), { ...params, start: 'a', valueEvent, unit }, timeZone, Date.parse(now));
          expect(actual.cohorts.map(({ cohort, customers, cumulative }) => ({ cohort, customers, cumulative }))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
