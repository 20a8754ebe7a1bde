import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeWith } from '../../test/support/analytics-b-events.js';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventStore } from '../events/store.js';
import { type AttributionParams, attribution } from './attribution.js';

const scope = { events: EVENTS_TABLE, timeZone: 'UTC', end: '2026-02-01T00:00:00Z' };
const day = (d: number) => `2026-01-${String(10 + d).padStart(2, '0')}T00:00:00Z`;
const DAY = 86_400;

let store: EventStore;
beforeAll(async () => {
  store = await storeWith([
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

const base: AttributionParams = { goal: 'purchase', valueProperty: 'amount', touches: ['ad', 'email', 'push'], model: 'first', windowSeconds: 7 * DAY };
const credits = async (params: Partial<AttributionParams>) =>
  Object.fromEntries((await attribution(store, scope, { ...base, ...params })).credits.map((c) => [c.key, [c.conversions, c.value]]));

describe('attribution', () => {
  it('counts goals, their value and the direct ones (no touch in the window)', async () => {
    // c2 (50, touch too old) and c4 (0, no touch) are direct: 2 of 4 goals.
    expect(await attribution(store, scope, base)).toMatchObject({ model: 'first', goals: 4, value: 180, direct: { goals: 2, share: 0.5, value: 50 } });
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
    const wide = await attribution(store, scope, { ...base, model: 'position', windowSeconds: 10 * DAY, touches: ['ad', 'email'] });
    // c1: ad, email → 0.5 each; c2: ad → 1; c3: email → 1.
    expect(Object.fromEntries(wide.credits.map((c) => [c.key, c.conversions]))).toEqual({ ad: 1.5, email: 1.5 });
    expect(wide.direct).toEqual({ goals: 1, share: 0.25, value: 0 });
  });

  it('names the parameter that is invalid', async () => {
    await expect(attribution(store, scope, { ...base, touches: ['ad', 'purchase'] })).rejects.toMatchObject({ details: { field: 'touches[1]' } });
    await expect(attribution(store, scope, { ...base, byProperty: "x') OR (1=1" })).rejects.toMatchObject({ details: { field: 'byProperty' } });
    await expect(attribution(store, scope, { ...base, model: 'shapley' as never })).rejects.toMatchObject({ details: { field: 'model' } });
  });
});
