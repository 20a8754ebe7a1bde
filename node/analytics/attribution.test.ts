import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { EventStore } from '../events/store.js';
import type { AttributionResult } from './attribution.js';

type Params = Record<string, unknown>;
const day = (d: number) => `2026-01-${String(10 + d).padStart(2, '0')}T00:00:00Z`;
const DAY = 86_400;

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith([
    // c1: three touches 5, 3 and 1 days before a purchase of 100.
    { customer: 'c1', name: 'ad', time: day(1), properties: { campaign: 'x' } },
    { customer: 'c1', name: 'email', time: day(3), properties: { campaign: 'y' } },
    { customer: 'c1', name: 'push', time: day(5), properties: { campaign: 'w' } },
    { customer: 'c1', name: 'purchase', time: day(6), properties: { amount: 100 } },
    // c2: its touch is 10 days before the purchase of 50: outside a 7-day window, so direct.
    { customer: 'c2', name: 'ad', time: day(0), properties: { campaign: 'z' } },
    { customer: 'c2', name: 'purchase', time: day(10), properties: { amount: 50 } },
    // c3: a touch at the same instant as the purchase of 30 counts.
    { customer: 'c3', name: 'email', time: day(2), properties: { campaign: 'y' } },
    { customer: 'c3', name: 'purchase', time: day(2), properties: { amount: 30 } },
    // c4: a purchase without an amount and without touches.
    { customer: 'c4', name: 'purchase', time: day(4) },
  ]);
});
afterAll(() => store.close());

const events = (...names: string[]) => names.map((event) => ({ event }));
const base: Params = {
  goal: { event: 'purchase' },
  valueProperty: 'amount',
  touches: events('ad', 'email', 'push'),
  model: 'first',
  windowSeconds: 7 * DAY,
  from: '2026-01-10',
  to: '2026-01-31',
};
const attribution = async (params: Params) => (await analyticsOver(store).run('attribution', { ...base, ...params }, ACTOR)).result as AttributionResult;
const credits = async (params: Params) => Object.fromEntries((await attribution(params)).credits.map((c) => [c.key, [c.conversions, c.value]]));

describe('attribution', () => {
  it('counts goals, their value and the direct ones (no touch in the window)', async () => {
    // c2 (50, touch too old) and c4 (0, no touch) are direct: 2 of 4 goals.
    expect(await attribution({})).toMatchObject({ model: 'first', goals: 4, value: 180, direct: { goals: 2, share: 0.5, value: 50 } });
  });

  it('credits the first or the last touch', async () => {
    expect(await credits({ model: 'first' })).toEqual({ ad: [1, 100], email: [1, 30] });
    expect(await credits({ model: 'last' })).toEqual({ push: [1, 100], email: [1, 30] });
  });

  it('splits linearly, by position (40/20/40) and by time decay', async () => {
    // c1 gives each of its three touches 1/3; c3's single touch gets the whole goal.
    const linear = await credits({ model: 'linear' });
    expect(linear.ad).toEqual([expect.closeTo(1 / 3, 12), expect.closeTo(100 / 3, 9)]);
    expect(linear.email).toEqual([expect.closeTo(4 / 3, 12), expect.closeTo(100 / 3 + 30, 9)]);
    expect(await credits({ model: 'position' })).toEqual({
      ad: [expect.closeTo(0.4, 12), expect.closeTo(40, 9)],
      email: [expect.closeTo(1.2, 12), expect.closeTo(50, 9)],
      push: [expect.closeTo(0.4, 12), expect.closeTo(40, 9)],
    });
    // Half-life 2 days: ages 5, 3, 1 days weigh 1/4, 1/2, 1 relative to the latest: 1/7, 2/7, 4/7.
    expect(await credits({ model: 'time_decay', halfLifeSeconds: 2 * DAY })).toEqual({
      ad: [expect.closeTo(1 / 7, 12), expect.closeTo(100 / 7, 9)],
      email: [expect.closeTo(9 / 7, 12), expect.closeTo(200 / 7 + 30, 9)],
      push: [expect.closeTo(4 / 7, 12), expect.closeTo(400 / 7, 9)],
    });
  });

  it('credits the values of a touch property instead of event names', async () => {
    const byCampaign = await credits({ model: 'linear', byProperty: 'campaign' });
    expect(Object.keys(byCampaign).sort()).toEqual(['w', 'x', 'y']);
    expect(byCampaign.y[0]).toBeCloseTo(4 / 3, 12);
  });

  it('splits two touches 50/50 in the position model, and counts a touch just inside the window', async () => {
    // With a 10-day window c2's ad (exactly 10 days old) is inside; c1 still has three touches.
    const wide = await attribution({ model: 'position', windowSeconds: 10 * DAY, touches: events('ad', 'email') });
    // c1: ad, email → 0.5 each; c2: ad → 1; c3: email → 1.
    expect(Object.fromEntries(wide.credits.map((c) => [c.key, c.conversions]))).toEqual({ ad: 1.5, email: 1.5 });
    expect(wide.direct).toEqual({ goals: 1, share: 0.25, value: 0 });
  });

  it('takes the goals of the range and the filters of goals and touches', async () => {
    // From the 13th: the goals of c1 (16th), c4 (14th) and c2 (20th); c3's (12th) is before.
    expect(await attribution({ from: '2026-01-13' })).toMatchObject({ goals: 3, direct: { goals: 2 } });
    const bigGoals = { event: 'purchase', filters: [{ property: 'amount', op: 'gte', value: 50 }] };
    expect(await attribution({ goal: bigGoals })).toMatchObject({ goals: 2, value: 150 });
    const campaignY = [{ event: 'email', filters: [{ property: 'campaign', op: 'eq', value: 'y' }] }, { event: 'ad' }];
    expect(await credits({ model: 'last', touches: campaignY })).toEqual({ email: [2, 130] });
  });

  it('names the parameter that is invalid', async () => {
    await expect(attribution({ touches: events('ad', 'purchase') })).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'touches[1].event' },
    });
    await expect(attribution({ byProperty: "x') OR (1=1" })).rejects.toMatchObject({ details: { field: 'byProperty' } });
    await expect(attribution({ model: 'shapley' })).rejects.toMatchObject({ details: { field: 'model' } });
    await expect(attribution({ touches: [] })).rejects.toMatchObject({ details: { field: 'touches' } });
  });

  it("is restricted to a segment's members", async () => {
    const c2c3 = analyticsOver(store, { segmentCustomers: async () => ['c2', 'c3'] });
    const r = (await c2c3.run('attribution', { ...base, segment: 'vip' }, ACTOR)).result as AttributionResult;
    // c3's purchase of 30 credited to its e-mail; c2's purchase of 50 direct.
    expect(r).toEqual({
      model: 'first',
      goals: 2,
      value: 80,
      direct: { goals: 1, share: 0.5, value: 50 },
      credits: [{ key: 'email', conversions: 1, value: 30 }],
    });
  });
});
